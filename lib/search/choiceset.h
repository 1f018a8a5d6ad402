/*
 * choiceset.h - a set of full choices (t->ndec option indices each) with a
 * value per choice, for searches that must remember what they evaluated:
 * tttd-localsearch's memory and tttd-screen's archive.  Open addressing
 * over a hash of the indices; the choices are copied.  It never prints.
 */
#ifndef TTTD_CHOICESET_H
#define TTTD_CHOICESET_H

#include <stddef.h>

struct tttd_choiceset {
	size_t ndec;
	size_t n, cap; /* entries, slots (a power of two) */
	int *choice;   /* n x ndec, in insertion order */
	double *value; /* n */
	size_t *slot;  /* cap entries: index + 1, 0 = empty */
};

void tttd_choiceset_init(struct tttd_choiceset *s, size_t ndec);
void tttd_choiceset_free(struct tttd_choiceset *s);
/* The entry index of choice, or -1 when absent. */
long tttd_choiceset_find(const struct tttd_choiceset *s, const int *choice);
/* Add choice with value (or set the value of an existing one); @return its index. */
size_t tttd_choiceset_put(struct tttd_choiceset *s, const int *choice, double value);

#endif
