/*
 * opt.h - strict parsing of option arguments for tools.  Each parser names
 * the option in its usage error and exits 2 through usage_die(); never atoi.
 */
#ifndef TTTD_OPT_H
#define TTTD_OPT_H

long opt_long(const char *arg, const char *optname, long min, long max);
double opt_double(const char *arg, const char *optname, double min, double max);
/*
 * A duration such as "90", "90s", "15m", "2h"; returns seconds, at most
 * OPT_DURATION_MAX (30 days), so that a deadline in nanoseconds fits.
 */
#define OPT_DURATION_MAX 2592000.0
double opt_duration(const char *arg, const char *optname);
/* arg must be one of the NULL-terminated choices; returns its index. */
int opt_choice(const char *arg, const char *optname, const char *const *choices);

#endif
