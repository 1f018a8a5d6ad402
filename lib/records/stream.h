/*
 * stream.h - record streams (stream.c): readers and writers of records.
 *
 * A stream is a concatenation of records, optionally inside zstd frames
 * (readers sniff the zstd magic 28 B5 2F FD and decompress transparently;
 * frames concatenate, and so do raw streams).  A reader that meets a
 * truncated or corrupt record reports the record index and the byte offset
 * (in the decompressed stream) and every complete record before it has
 * already been returned.  Neither side knows what a key means.
 */
#ifndef TTTD_STREAM_H
#define TTTD_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "tttd.h"

/*
 * A reader over one input (a path, or "-" / NULL for stdin).  It refuses a
 * terminal unless force is set (binary is never read from a terminal).
 */
struct tttd_reader;
int tttd_reader_open(struct tttd_reader **out, const char *path, int force, struct tttd_error *e);
/* Read from an already open file descriptor (not closed by free). name is for messages. */
struct tttd_reader *tttd_reader_fdopen(int fd, const char *name);
/* Read from a copy of n bytes at p (for tests and fuzzing). name is for messages. */
struct tttd_reader *tttd_reader_mem(const void *p, size_t n, const char *name);
/*
 * Next record into r.  @return 1 got one, 0 clean end of stream, or
 * TTTD_EFORMAT / TTTD_EIO with a message naming the input, the record index
 * (0-based count of records before it) and the byte offset where it starts.
 * After an error the reader is finished (further calls return the same error).
 */
int tttd_reader_next(struct tttd_reader *rd, struct tttd_rec *r, struct tttd_error *e);
/* Records returned so far, and the decompressed byte offset after the last one. */
uint64_t tttd_reader_count(const struct tttd_reader *rd);
uint64_t tttd_reader_offset(const struct tttd_reader *rd);
/* 1 if the input was zstd-compressed. */
int tttd_reader_compressed(const struct tttd_reader *rd);
void tttd_reader_free(struct tttd_reader *rd);

enum tttd_writer_flags {
	TTTD_W_ZSTD = 1 << 0,       /* compress */
	TTTD_W_FORCE = 1 << 1,      /* allow binary to a terminal */
	TTTD_W_UNBUFFERED = 1 << 2, /* flush after each record */
	TTTD_W_APPEND = 1 << 3,     /* append to path instead of tmp+rename */
};

/*
 * A writer to a path or "-" / NULL for stdout.  A path is written as
 * "path.tmp" and renamed over path by tttd_writer_close (so a killed tool
 * never leaves a half file), unless TTTD_W_APPEND.  A path ending in ".zst"
 * implies TTTD_W_ZSTD.  When writing to a pipe or FIFO the writer flushes
 * after every record (so downstream stages see records as they complete);
 * never per record into a regular file unless TTTD_W_UNBUFFERED.
 * With TTTD_W_ZSTD each flush ends a zstd frame, so a killed writer leaves
 * only whole frames behind.
 */
struct tttd_writer;
int tttd_writer_open(struct tttd_writer **out, const char *path, unsigned flags, struct tttd_error *e);
int tttd_writer_write(struct tttd_writer *w, const struct tttd_rec *r, struct tttd_error *e);
int tttd_writer_flush(struct tttd_writer *w, struct tttd_error *e);
/* Flush, finish, rename into place; frees w.  @return TTTD_OK or error. */
int tttd_writer_close(struct tttd_writer *w, struct tttd_error *e);
/* Abandon: remove the tmp file; frees w. */
void tttd_writer_abort(struct tttd_writer *w);

#endif
