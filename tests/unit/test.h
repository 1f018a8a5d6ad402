/*
 * test.h - the unit-test harness: T_CHECK records a pass or a failure with
 * its line, T_DONE prints "unit: N passed, N failed" (the line the runner
 * reads) and returns the exit status.  Header-only on purpose: each
 * tests/unit/test_<module>.c is one program.
 */
#ifndef TTTD_TEST_H
#define TTTD_TEST_H

#include <math.h>
#include <stdio.h>

static int t_passed, t_failed;

#define T_CHECK(desc, cond)                                                          \
	do {                                                                         \
		if (cond) {                                                          \
			t_passed++;                                                  \
		} else {                                                             \
			t_failed++;                                                  \
			fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, \
				(desc), #cond);                                      \
		}                                                                    \
	} while (0)

/* |a - b| <= tol, and neither is NaN. */
#define T_NEAR(desc, a, b, tol) T_CHECK(desc, fabs((double)(a) - (double)(b)) <= (tol))

static inline int
t_done(void)
{
	printf("unit: %d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}
#define T_DONE() t_done()

#endif
