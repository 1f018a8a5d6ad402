/*
 * regression_driver.c - run every file under the given directories (or the
 * given files) through LLVMFuzzerTestOneInput once, so that `make check`
 * replays the fuzz corpus without libFuzzer.  It reports how many inputs it
 * ran; a crash ends it, which is the failure it exists to catch.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		fprintf(stderr, "regression_driver: cannot open '%s'\n", path);
		return -1;
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf) {
				fprintf(stderr, "regression_driver: out of memory\n");
				exit(1);
			}
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	/* A copy of exactly n bytes, so that the sanitizers see over-reads. */
	{
		unsigned char *exact = malloc(n ? n : 1);

		if (!exact)
			exit(1);
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int
run_path(const char *path, int *count)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int bad = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "regression_driver: cannot stat '%s'\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if (!(d = opendir(path)))
		return -1;
	while ((de = readdir(d))) {
		char *sub;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			exit(1);
		if (run_path(sub, count) < 0)
			bad = -1;
		free(sub);
	}
	closedir(d);
	return bad;
}

int
main(int argc, char **argv)
{
	int i, count = 0, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: regression_driver dir|file ...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			bad = 1;
	printf("regression_driver: %d inputs\n", count);
	return bad || count == 0;
}
