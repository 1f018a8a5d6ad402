/*
 * benchmac.h - proof that a record's measurements were made by tttd-bench
 * on this machine: an HMAC-SHA256, under a per-machine secret key, over the
 * keys tttd-bench measured and the context they were measured in (task,
 * shapes, protocol and options).  tttd-bench sets "bench_mac" on every
 * record it measures, and measures again any record that carries a
 * measurement (status ok, a time) without a valid one, from --done or in
 * its input: a time written by hand, by a candidate, or by another machine
 * never passes as measured.
 *
 * The key: 32 random bytes in $XDG_DATA_HOME/tttd/bench.key (else
 * ~/.local/share/tttd/bench.key), created on first use, mode 0600 in a
 * 0700 directory; a key file that others may read or write is not used.
 * Per machine, not per run, because --done reuses records of earlier
 * processes (a resumed step) and timings are per machine anyway; outside
 * the run directory, which candidates' records and reports are copied from.
 * Where no such file can be had, a key for this process only (nothing
 * from --done then verifies: everything is measured again).  The key lives
 * in a page the kernel wipes in forked children (MADV_WIPEONFORK), so no
 * worker or candidate process ever holds it.
 */
#ifndef TTTD_BENCHMAC_H
#define TTTD_BENCHMAC_H

#include <stddef.h>

#include "rec.h"
#include "tttd.h"

#define TTTD_BENCH_KEY_LEN 32

/*
 * Load (or create) the key into *key, a page of its own (free with
 * tttd_bench_key_free).  *where: the file, or NULL for a key of this
 * process only, with *why saying why (malloc'd; NULL otherwise).
 * @return TTTD_OK, TTTD_EIO (no random bytes at all).
 */
int tttd_bench_key_load(unsigned char **key, char **where, char **why, struct tttd_error *e);
void tttd_bench_key_free(unsigned char *key);

/* HMAC-SHA256 of msg under key (RFC 2104). */
void tttd_hmac_sha256(const unsigned char *key, size_t klen, const void *msg, size_t n,
		      unsigned char out[32]);

/* Set r's "bench_mac" for the measured keys it carries, in context. */
void tttd_bench_mac_set(const unsigned char *key, const char *context, struct tttd_rec *r);
/* 1 if r's "bench_mac" is the one tttd_bench_mac_set would set, else 0. */
int tttd_bench_mac_ok(const unsigned char *key, const char *context, const struct tttd_rec *r);
/* Delete the measured keys (and bench_mac) from r. */
void tttd_bench_mac_strip(struct tttd_rec *r);
/* 1 if r carries a measurement a score would use (status ok, or a time_ns). */
int tttd_bench_measured(const struct tttd_rec *r);

#endif
