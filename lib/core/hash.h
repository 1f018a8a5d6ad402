/*
 * hash.h - SHA-256 (FIPS 180-4) for content ids and cache keys.  An id is the
 * first 128 bits in lowercase hex (32 characters).
 */
#ifndef TTTD_HASH_H
#define TTTD_HASH_H

#include <stddef.h>
#include <stdint.h>

struct tttd_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void tttd_sha256_init(struct tttd_sha256 *s);
void tttd_sha256_update(struct tttd_sha256 *s, const void *p, size_t n);
/* Feed a string followed by a 0 byte, so that ("ab","c") and ("a","bc") differ. */
void tttd_sha256_field(struct tttd_sha256 *s, const char *str);
void tttd_sha256_final(struct tttd_sha256 *s, unsigned char out[32]);
/* Finish and write the 32-hex-digit id (33 bytes with NUL). */
void tttd_sha256_id(struct tttd_sha256 *s, char out[33]);

#define TTTD_ID_LEN 32

#endif
