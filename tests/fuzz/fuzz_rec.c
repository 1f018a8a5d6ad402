/*
 * fuzz_rec.c - libFuzzer entry point for the record reader: read every
 * record of the input from memory (raw, zstd or mixed), write each as JSON
 * into a memory stream, and parse that JSON back.  Any crash, leak or
 * sanitizer report is a bug; errors from bad input are expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rec.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct tttd_reader *rd = tttd_reader_mem(d, n, "fuzz");
	struct tttd_error e;
	struct tttd_rec r, back;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	tttd_rec_init(&r);
	tttd_rec_init(&back);
	while ((rc = tttd_reader_next(rd, &r, &e)) > 0) {
		f = open_memstream(&buf, &len);
		if (!f)
			break;
		rc = tttd_rec_write_json(&r, f, &e);
		fclose(f);
		/* What we print we must be able to read, except integers > INT64_MAX. */
		if (rc == TTTD_OK)
			tttd_rec_from_json(&back, buf, len, &e);
		free(buf);
		buf = NULL;
	}
	tttd_rec_release(&r);
	tttd_rec_release(&back);
	tttd_reader_free(rd);
	return 0;
}
