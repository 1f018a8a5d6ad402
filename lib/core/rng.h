/*
 * rng.h - the one seeded random generator of tttd (xoshiro256** seeded
 * through splitmix64).  Every random choice in a run flows from a recorded
 * seed, so a run can be replayed.  Never seeded from the time.
 */
#ifndef TTTD_RNG_H
#define TTTD_RNG_H

#include <stdint.h>

struct tttd_rng {
	uint64_t s[4];
};

void tttd_rng_seed(struct tttd_rng *r, uint64_t seed);
/* Seed from several values (run seed, step, index, ...) mixed together. */
void tttd_rng_seed2(struct tttd_rng *r, uint64_t a, uint64_t b);
uint64_t tttd_rng_u64(struct tttd_rng *r);
/* Uniform in [0, 1). */
double tttd_rng_uniform(struct tttd_rng *r);
/* Standard normal. */
double tttd_rng_normal(struct tttd_rng *r);
/* Uniform integer in [0, n). */
uint64_t tttd_rng_below(struct tttd_rng *r, uint64_t n);
/* Mix two 64-bit values into one (for deriving seeds). */
uint64_t tttd_mix64(uint64_t a, uint64_t b);

#endif
