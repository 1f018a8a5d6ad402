/*
 * opt.c - strict number and choice parsing for option arguments.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opt.h"

long
opt_long(const char *arg, const char *optname, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE)
		usage_die("invalid number '%s' for %s", arg, optname);
	if (v < min || v > max)
		usage_die("%s must be between %ld and %ld, not %ld", optname, min, max, v);
	return v;
}

double
opt_double(const char *arg, const char *optname, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno == ERANGE || isnan(v))
		usage_die("invalid number '%s' for %s", arg, optname);
	if (v < min || v > max)
		usage_die("%s must be between %g and %g, not %g", optname, min, max, v);
	return v;
}

double
opt_duration(const char *arg, const char *optname)
{
	char *end;
	double v, mul = 1;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || errno == ERANGE || isnan(v) || v < 0)
		usage_die("invalid duration '%s' for %s", arg, optname);
	if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		usage_die("invalid duration '%s' for %s (use s, m or h)", arg, optname);
	/* Callers turn seconds into uint64 nanoseconds past now: 1e300 (or inf)
	 * would overflow that into a deadline in the past, or anywhere. */
	if (!(v * mul <= OPT_DURATION_MAX))
		usage_die("invalid duration '%s' for %s (at most %.0f s)", arg, optname,
			  OPT_DURATION_MAX);
	return v * mul;
}

int
opt_choice(const char *arg, const char *optname, const char *const *choices)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(arg, choices[i]) == 0)
			return i;
	usage_die("invalid value '%s' for %s", arg, optname);
}
