/*
 * cache.h - a content-addressed compile cache in a directory.
 *
 * An entry is one file <dir>/<k0k1>/<k2...k31> named by a 32-hex-digit key
 * (tttd_cache_key: sha256 of target, compiler identity, architecture,
 * options and source).  The file is a small header - magic "TTTDCACH", format
 * version, payload length, sha256 of the payload - then the payload, which is
 * opaque here (compile.c stores the object and the log in it).
 *
 * Writers write a private temporary file in the entry's directory and rename
 * it into place, so concurrent writers of the same key are safe (rename is
 * atomic and both write the same bytes) and a reader never sees half an
 * entry from a live writer.  A reader that still finds a damaged entry (a
 * killed machine, a full disk, someone's editor) treats it as a miss and
 * removes it.  Nothing here evicts: the cache lives in a run directory and
 * goes with it.
 *
 * Thread-safe: a struct tttd_cache holds only the directory name.  Never prints.
 */
#ifndef TTTD_CACHE_H
#define TTTD_CACHE_H

#include <stddef.h>

#include "tttd.h"

#define TTTD_CACHE_MAGIC "TTTDCACH"
#define TTTD_CACHE_FORMAT 1
#define TTTD_CACHE_HEADER 56 /* magic 8, format 4, reserved 4, length 8, sha256 32 */

struct tttd_cache;

/*
 * Open (creating it and its parents if needed) the cache directory dir
 * (borrowed; copied).  @return TTTD_OK, TTTD_EIO if it cannot be created or
 * is not a directory.
 */
int tttd_cache_open(struct tttd_cache **out, const char *dir, struct tttd_error *e);
/* Free the handle (not the directory).  Accepts NULL. */
void tttd_cache_free(struct tttd_cache *c);

/*
 * The cache key of a compile: sha256 over the fields target, identity
 * (the compiler's --version line or NVRTC version), arch ("" for the CPU),
 * options and the source bytes (src, n: may hold NUL bytes), first 128 bits
 * as 32 lowercase hex digits into out.  NULL strings count as "".
 */
void tttd_cache_key(char out[33], const char *target, const char *identity, const char *arch,
		    const char *options, const void *src, size_t n);

/*
 * Look up key.  On a hit *payload is a newly allocated copy (caller frees)
 * of *n bytes.  A missing entry is a miss; a damaged one (short, wrong magic
 * or format, wrong length, bad hash) is a miss and is unlinked.
 * @return 1 hit, 0 miss, TTTD_EINVAL for a malformed key, TTTD_EIO when an
 * existing entry cannot be read.
 */
int tttd_cache_get(struct tttd_cache *c, const char *key, void **payload, size_t *n,
		   struct tttd_error *e);

/*
 * Store n bytes of payload (borrowed) under key: temporary file + fsync-free
 * rename (a crash loses at most the entry, and a torn one is caught by the
 * hash on the next read).  @return TTTD_OK, TTTD_EINVAL (key), TTTD_EIO.
 */
int tttd_cache_put(struct tttd_cache *c, const char *key, const void *payload, size_t n,
		   struct tttd_error *e);

/* The path of key's entry, newly allocated (for tests and messages). */
char *tttd_cache_path(const struct tttd_cache *c, const char *key);

#endif
