/*
 * test_stream.c - readers and writers: raw and zstd round trips, every
 * concatenation of the two, truncation at every byte of a small stream
 * (exactly the complete records come back, then index and offset), corrupt
 * bytes, wrong schema versions, and the writer's tmp + rename and append.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "rec.h"
#include "stream.h"
#include "test.h"

static char dir[64];

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = xmalloc((size_t)len + 1);
	*n = fread(p, 1, (size_t)len, f);
	fclose(f);
	return p;
}

/* Write nrec records (record i has "i": i and a payload) to path. */
static int
write_stream(const char *path, unsigned flags, int first, int nrec)
{
	struct tttd_writer *w;
	struct tttd_error e;
	struct tttd_rec r;
	int i, rc;

	if (tttd_writer_open(&w, path, flags, &e) < 0)
		return -1;
	tttd_rec_init(&r);
	for (i = first; i < first + nrec; i++) {
		tttd_rec_set_int(&r, "v", 1);
		tttd_rec_set_int(&r, "i", i);
		tttd_rec_set_str(&r, "source", "for (int k = 0; k < n; k++) y[k] += a * x[k];");
		if (tttd_writer_write(w, &r, &e) < 0)
			return -1;
	}
	tttd_rec_release(&r);
	rc = tttd_writer_close(w, &e);
	return rc;
}

/*
 * Read all records of p[0..n); check that record k has "i" == k.
 * @return count, with the final reader status in *status.
 */
static int
read_all(const void *p, size_t n, int *status, struct tttd_error *e, int *zst)
{
	struct tttd_reader *rd = tttd_reader_mem(p, n, "mem");
	struct tttd_rec r;
	int64_t i;
	int count = 0, rc;

	tttd_rec_init(&r);
	while ((rc = tttd_reader_next(rd, &r, e)) > 0) {
		if (tttd_rec_get_int(&r, "i", &i) != 1 || i != count)
			count = -1000;
		count++;
	}
	*status = rc;
	if (zst)
		*zst = tttd_reader_compressed(rd);
	/* After an error the reader stays finished. */
	if (rc < 0 && tttd_reader_next(rd, &r, NULL) != rc)
		count = -2000;
	tttd_rec_release(&r);
	tttd_reader_free(rd);
	return count;
}

static char *
path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
test_round_trips(void)
{
	char *raw1 = path_in("a.mp"), *raw2 = path_in("b.mp"), *z1 = path_in("a.mp.zst"),
	     *z2 = path_in("b.zst");
	char *a, *b, *za, *zb, *cat;
	size_t na, nb, nza, nzb;
	struct tttd_error e;
	int st, zst;

	T_CHECK("write raw", write_stream(raw1, 0, 0, 3) == 0);
	T_CHECK("write raw 2", write_stream(raw2, 0, 3, 2) == 0);
	T_CHECK("write zstd by suffix", write_stream(z1, 0, 0, 3) == 0);
	T_CHECK("write zstd by flag", write_stream(z2, TTTD_W_ZSTD, 3, 2) == 0);
	a = slurp(raw1, &na);
	b = slurp(raw2, &nb);
	za = slurp(z1, &nza);
	zb = slurp(z2, &nzb);
	T_CHECK("files exist", a && b && za && zb);
	if (!(a && b && za && zb))
		return;
	T_CHECK("raw starts with a map", (unsigned char)a[0] == 0x83);
	T_CHECK("zstd has magic", memcmp(za, "\x28\xb5\x2f\xfd", 4) == 0 &&
					  memcmp(zb, "\x28\xb5\x2f\xfd", 4) == 0);
	T_CHECK("plain", read_all(a, na, &st, &e, &zst) == 3 && st == 0 && !zst);
	T_CHECK("zstd", read_all(za, nza, &st, &e, &zst) == 3 && st == 0 && zst);
	T_CHECK("empty", read_all("", 0, &st, &e, NULL) == 0 && st == 0);

	cat = xmalloc(na + nb + nza + nzb);
#define CAT2(x, nx, y, ny) (memcpy(cat, x, nx), memcpy(cat + (nx), y, ny), (nx) + (ny))
	T_CHECK("raw+raw", read_all(cat, CAT2(a, na, b, nb), &st, &e, NULL) == 5 && st == 0);
	T_CHECK("zstd+zstd", read_all(cat, CAT2(za, nza, zb, nzb), &st, &e, NULL) == 5 && st == 0);
	T_CHECK("raw+zstd", read_all(cat, CAT2(a, na, zb, nzb), &st, &e, NULL) == 5 && st == 0);
	T_CHECK("zstd+raw", read_all(cat, CAT2(za, nza, b, nb), &st, &e, NULL) == 5 && st == 0);
	free(cat);

	/* Through a real file descriptor too, with tttd_reader_open. */
	{
		struct tttd_reader *rd;
		struct tttd_rec r;
		int n = 0;

		tttd_rec_init(&r);
		T_CHECK("open", tttd_reader_open(&rd, z1, 0, &e) == 0);
		while (tttd_reader_next(rd, &r, &e) > 0)
			n++;
		T_CHECK("open reads 3", n == 3 && tttd_reader_count(rd) == 3 &&
						tttd_reader_offset(rd) == na);
		tttd_reader_free(rd);
		tttd_rec_release(&r);
		T_CHECK("open missing", tttd_reader_open(&rd, "/nonexistent/x", 0, &e) < 0 &&
						strstr(e.msg, "cannot open '/nonexistent/x'"));
	}

	/* Truncation at every length: exactly the complete records, then where. */
	{
		size_t cut, ends[3], k;
		int all = 1;
		char want[128];

		/* Each record has the same size here. */
		for (k = 0; k < 3; k++)
			ends[k] = na / 3 * (k + 1);
		for (cut = 0; cut < na; cut++) {
			int complete = (int)(cut / (na / 3));
			int got = read_all(a, cut, &st, &e, NULL);
			int boundary = cut % (na / 3) == 0;

			snprintf(want, sizeof(want), "'mem': truncated record %d at byte %zu",
				 complete, complete ? ends[complete - 1] : 0);
			if (got != complete || (boundary ? st != 0 : st != TTTD_EFORMAT || strcmp(e.msg, want) != 0)) {
				all = 0;
				fprintf(stderr, "  cut %zu: got %d st %d '%s'\n", cut, got, st,
					st ? e.msg : "");
			}
		}
		T_CHECK("raw truncation at every byte", all);
		all = 1;
		for (cut = 0; cut < nza; cut++) {
			int got = read_all(za, cut, &st, &e, NULL);

			if (got < 0 || got > 3 || (cut > 0 && st == 0) ||
			    (st < 0 && !strstr(e.msg, "record")))
				all = 0;
		}
		T_CHECK("zstd truncation never succeeds, keeps a prefix", all);
	}

	/* Corrupt bytes. */
	{
		char *c = xmalloc(na + nza), want[96];

		memcpy(c, a, na);
		c[na / 3] = 0x01; /* second record starts with an int */
		snprintf(want, sizeof(want), "'mem': corrupt record 1 at byte %zu: not a map", na / 3);
		T_CHECK("not a map", read_all(c, na, &st, &e, NULL) == 1 && st == TTTD_EFORMAT &&
					     strcmp(e.msg, want) == 0);
		memcpy(c, a, na);
		c[na / 3 + 1] = (char)0xc1; /* a key byte that msgpack never uses */
		T_CHECK("bad msgpack", read_all(c, na, &st, &e, NULL) == 1 && st == TTTD_EFORMAT &&
					       strstr(e.msg, "corrupt record 1"));
		memcpy(c, a, na);
		c[3] = 2; /* "v": 2 */
		T_CHECK("wrong v", read_all(c, na, &st, &e, NULL) == 0 &&
					   strstr(e.msg, "unknown schema version 2"));
		memcpy(c, a, na);
		c[1] = (char)0xa1, c[2] = 'w'; /* key "v" becomes "w" */
		T_CHECK("missing v", read_all(c, na, &st, &e, NULL) == 0 &&
					     strstr(e.msg, "no schema version"));
		memcpy(c, za, nza);
		c[nza / 2] ^= 0x55;
		T_CHECK("corrupt zstd", read_all(c, nza, &st, &e, NULL) <= 3 && st < 0);
		free(c);
	}
	/* A record split across two zstd frames, and across a frame and raw bytes. */
	{
		size_t half = na / 3 / 2, bound = ZSTD_compressBound(na), n1, n2;
		char *c = xmalloc(2 * bound + na);

		n1 = ZSTD_compress(c, bound, a, na / 3 + half, 1);
		n2 = ZSTD_compress(c + n1, bound, a + na / 3 + half, na - na / 3 - half, 1);
		T_CHECK("split across frames", !ZSTD_isError(n1) && !ZSTD_isError(n2) &&
						       read_all(c, n1 + n2, &st, &e, NULL) == 3 &&
						       st == 0);
		memcpy(c + n1, a + na / 3 + half, na - na / 3 - half);
		T_CHECK("split across frame and raw",
			read_all(c, n1 + na - na / 3 - half, &st, &e, NULL) == 3 && st == 0);
		free(c);
	}
	/* A map header claiming 2^32 entries must not allocate them. */
	T_CHECK("huge claimed map is truncated, not allocated",
		read_all("\xdf\xff\xff\xff\xff\xa1v\x01", 8, &st, &e, NULL) == 0 &&
			st == TTTD_EFORMAT && strstr(e.msg, "truncated record 0 at byte 0"));
	free(a);
	free(b);
	free(za);
	free(zb);
	free(raw1);
	free(raw2);
	free(z1);
	free(z2);
}

static void
test_writer(void)
{
	char *p = path_in("w.mp"), *tmp = path_in("w.mp.tmp");
	struct tttd_writer *w;
	struct tttd_error e;
	struct tttd_rec r;
	struct stat st;
	char *data;
	size_t n;
	int s;

	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", 1);
	tttd_rec_set_int(&r, "i", 0);
	T_CHECK("open", tttd_writer_open(&w, p, 0, &e) == 0);
	T_CHECK("write", tttd_writer_write(w, &r, &e) == 0);
	T_CHECK("flush", tttd_writer_flush(w, &e) == 0);
	T_CHECK("tmp exists while writing", stat(tmp, &st) == 0 && st.st_size > 0);
	T_CHECK("final absent while writing", stat(p, &st) != 0);
	T_CHECK("close", tttd_writer_close(w, &e) == 0);
	T_CHECK("renamed", stat(p, &st) == 0 && stat(tmp, &st) != 0);
	/* Append a zstd frame to the raw file: still one valid stream. */
	tttd_rec_set_int(&r, "i", 1);
	T_CHECK("append", tttd_writer_open(&w, p, TTTD_W_APPEND | TTTD_W_ZSTD, &e) == 0 &&
				  tttd_writer_write(w, &r, &e) == 0 &&
				  tttd_writer_close(w, &e) == 0);
	data = slurp(p, &n);
	T_CHECK("appended stream reads", data && read_all(data, n, &s, &e, NULL) == 2 && s == 0);
	free(data);
	/* Abort removes the tmp file and leaves the old file alone. */
	T_CHECK("open again", tttd_writer_open(&w, p, 0, &e) == 0);
	tttd_writer_abort(w);
	T_CHECK("abort removed tmp", stat(tmp, &st) != 0 && stat(p, &st) == 0);
	T_CHECK("unwritable dir", tttd_writer_open(&w, "/nonexistent/x.mp", 0, &e) == TTTD_EIO &&
					  strstr(e.msg, "cannot create '/nonexistent/x.mp.tmp'"));
	tttd_rec_release(&r);
	unlink(p);
	free(p);
	free(tmp);
}

/*
 * A path that is not a plain file is written in place: renaming onto a FIFO or
 * a symlink would replace it (as root, -o /dev/null would replace the device).
 */
static void
test_writer_special(void)
{
	char *fifo = path_in("fifo"), *target = path_in("target.mp"), *link = path_in("link.mp");
	struct tttd_writer *w;
	struct tttd_error e;
	struct tttd_rec r;
	struct stat st;
	char *tmp;
	size_t n;
	int s;

	T_CHECK("plain file gets a tmp", (tmp = tttd_tmp_path_for(target)) != NULL);
	free(tmp);
	T_CHECK("mkfifo", mkfifo(fifo, 0600) == 0);
	T_CHECK("fifo written in place", tttd_tmp_path_for(fifo) == NULL);
	T_CHECK("/dev/null written in place", tttd_tmp_path_for("/dev/null") == NULL);
	T_CHECK("symlink", symlink(target, link) == 0);
	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", 1);
	tttd_rec_set_int(&r, "i", 0);
	T_CHECK("write through the link", tttd_writer_open(&w, link, 0, &e) == 0 &&
						  tttd_writer_write(w, &r, &e) == 0 &&
						  tttd_writer_close(w, &e) == 0);
	T_CHECK("link still a link", lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	tmp = slurp(target, &n);
	T_CHECK("target holds the record", tmp && read_all(tmp, n, &s, &e, NULL) == 1 && s == 0);
	free(tmp);
	T_CHECK("/dev/null", tttd_writer_open(&w, "/dev/null", TTTD_W_FORCE, &e) == 0 &&
				     tttd_writer_write(w, &r, &e) == 0 &&
				     tttd_writer_close(w, &e) == 0);
	T_CHECK("/dev/null still a device", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	tttd_rec_release(&r);
	free(fifo);
	free(target);
	free(link);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/tttd-test-stream-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trips();
	test_writer();
	test_writer_special();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return T_DONE();
}
