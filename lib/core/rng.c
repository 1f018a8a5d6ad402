/*
 * rng.c - xoshiro256** with splitmix64 seeding (public-domain algorithms by
 * Blackman and Vigna, written here from their description).
 */
#include <math.h>

#include "rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
tttd_mix64(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull);

	return splitmix64(&x);
}

void
tttd_rng_seed(struct tttd_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void
tttd_rng_seed2(struct tttd_rng *r, uint64_t a, uint64_t b)
{
	tttd_rng_seed(r, tttd_mix64(a, b));
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
tttd_rng_u64(struct tttd_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
tttd_rng_uniform(struct tttd_rng *r)
{
	return (double)(tttd_rng_u64(r) >> 11) * 0x1.0p-53;
}

double
tttd_rng_normal(struct tttd_rng *r)
{
	/* Box-Muller; u1 is kept away from 0 so log() stays finite. */
	double u1 = (tttd_rng_u64(r) >> 11) * 0x1.0p-53 + 0x1.0p-54;
	double u2 = tttd_rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t
tttd_rng_below(struct tttd_rng *r, uint64_t n)
{
	/* Rejection keeps the result unbiased. */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = tttd_rng_u64(r);
	while (x >= lim);
	return x % n;
}
