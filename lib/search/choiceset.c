/* choiceset.c - see choiceset.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "choiceset.h"
#include "rng.h"
#include "tttd.h"

static uint64_t
hash_choice(const int *c, size_t ndec)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t d;

	for (d = 0; d < ndec; d++)
		h = tttd_mix64(h, (uint64_t)(int64_t)c[d]);
	return h;
}

void
tttd_choiceset_init(struct tttd_choiceset *s, size_t ndec)
{
	memset(s, 0, sizeof(*s));
	s->ndec = ndec;
}

void
tttd_choiceset_free(struct tttd_choiceset *s)
{
	free(s->choice);
	free(s->value);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

static size_t
probe(const struct tttd_choiceset *s, const int *choice)
{
	size_t i = (size_t)hash_choice(choice, s->ndec) & (s->cap - 1);

	while (s->slot[i] &&
	       memcmp(s->choice + (s->slot[i] - 1) * s->ndec, choice, s->ndec * sizeof(int)) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

long
tttd_choiceset_find(const struct tttd_choiceset *s, const int *choice)
{
	size_t i;

	if (!s->cap)
		return -1;
	i = probe(s, choice);
	return s->slot[i] ? (long)(s->slot[i] - 1) : -1;
}

size_t
tttd_choiceset_put(struct tttd_choiceset *s, const int *choice, double value)
{
	size_t i, k;

	if (2 * (s->n + 1) > s->cap) {
		/* grow: twice the slots, every entry placed again */
		size_t ncap = s->cap ? 2 * s->cap : 64;

		free(s->slot);
		s->slot = xcalloc(ncap, sizeof(size_t));
		s->cap = ncap;
		s->choice = xrealloc(s->choice, (ncap / 2) * (s->ndec ? s->ndec : 1) * sizeof(int));
		s->value = xrealloc(s->value, (ncap / 2) * sizeof(double));
		for (k = 0; k < s->n; k++)
			s->slot[probe(s, s->choice + k * s->ndec)] = k + 1;
	}
	i = probe(s, choice);
	if (s->slot[i]) {
		s->value[s->slot[i] - 1] = value;
		return s->slot[i] - 1;
	}
	memcpy(s->choice + s->n * s->ndec, choice, s->ndec * sizeof(int));
	s->value[s->n] = value;
	s->slot[i] = ++s->n;
	return s->n - 1;
}
