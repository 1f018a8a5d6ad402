/*
 * opt.c - the common options of every tool (tool_getopt), and strict
 * number and choice parsing for option arguments.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opt.h"
#include "stream.h" /* defines: TTTD_W_FORCE, TTTD_W_ZSTD */

/* The common options: (long option, the TOOL_ bit that enables it, 0: every tool). */
static const struct {
	struct option o;
	unsigned bit;
} common[] = {
	{ { "force", no_argument, NULL, 'f' }, TOOL_FORCE },
	{ { "help", no_argument, NULL, 'h' }, 0 },
	{ { "output", required_argument, NULL, 'o' }, TOOL_OUTPUT },
	{ { "quiet", no_argument, NULL, 'q' }, 0 },
	{ { "verbose", no_argument, NULL, 'v' }, TOOL_VERBOSE },
	{ { "version", no_argument, NULL, 'V' }, 0 },
	{ { "zstd", no_argument, NULL, 'z' }, TOOL_ZSTD },
};
#define NCOMMON (sizeof(common) / sizeof(common[0]))

/* 1 if ch is a common option t has (else it is the tool's own, or unknown). */
static int
is_common(const struct tool_opts *t, int ch)
{
	size_t i;

	for (i = 0; i < NCOMMON; i++)
		if (common[i].o.val == ch)
			return !common[i].bit || (t->common & common[i].bit);
	return 0;
}

int
tool_getopt(const struct tool_opts *t, int argc, char **argv, struct tool_common *c)
{
	/* getopt_long's tables for t, built on the first call (a tool parses once) */
	static const struct tool_opts *built;
	static struct option *longopts;
	static char *shortopts;
	int ch;

	if (built != t) {
		size_t nown = 0, n = 0, i, len;

		while (t->longopts && t->longopts[nown].name)
			nown++;
		free(longopts);
		free(shortopts);
		longopts = xcalloc(nown + NCOMMON + 1, sizeof(*longopts));
		/* ':' first: a missing argument is ':', told apart from an unknown '?' */
		len = strlen(t->shortopts ? t->shortopts : "");
		shortopts = xmalloc(len + 2 * NCOMMON + 2);
		shortopts[0] = ':';
		memcpy(shortopts + 1, t->shortopts ? t->shortopts : "", len);
		len++;
		for (i = 0; i < NCOMMON; i++) {
			if (common[i].bit && !(t->common & common[i].bit))
				continue;
			longopts[n++] = common[i].o;
			shortopts[len++] = (char)common[i].o.val;
			if (common[i].o.has_arg == required_argument)
				shortopts[len++] = ':';
		}
		shortopts[len] = '\0';
		for (i = 0; i < nown; i++)
			longopts[n++] = t->longopts[i];
		built = t;
		opterr = 0; /* our own one-line messages, then the synopsis */
	}
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == ':' || ch == '?')
			getopt_die(ch, argv);
		if (!is_common(t, ch))
			return ch;
		switch (ch) {
		case 'h':
			t->usage(stdout);
			close_stdout();
			exit(0);
		case 'V':
			print_version();
			close_stdout();
			exit(0);
		case 'q': verbosity = 0; break;
		case 'v': verbosity++; break;
		case 'f':
			c->force = 1;
			c->wflags |= TTTD_W_FORCE;
			break;
		case 'o': c->output = optarg; break;
		case 'z': c->wflags |= TTTD_W_ZSTD; break;
		}
	}
	return -1;
}

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
