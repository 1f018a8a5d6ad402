/*
 * tttd-report - how a run went: summary.json, the best time so far against
 * evaluations (best-so-far.svg), an HTML page with both and the best
 * kernel's per-shape table and source (report.html), and the best kernel's
 * report.md with the machine it was measured on.  Wiring only: reading the
 * run and rendering live in lib/report/report.c, the machine's facts in lib/report/env.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "env.h" /* defines: tttd_env_* */
#include "opt.h"
#include "report.h" /* defines: tttd_run_*, tttd_report_* */

#define SYNOPSIS "tttd-report [-hqV] [--device n] [--env file] [-o dir] run"

/* clang-format off */
enum { OPT_DEVICE = 256, OPT_ENV };
/* clang-format on */

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("Summarise a discovery run: summary.json, best-so-far.svg and report.html in\n"
	      "the run folder, and best/report.md when the run has a confirmed best.\n"
	      "\n"
	      "  -h, --help        print this help and exit\n"
	      "  -o, --output DIR  write the files into DIR instead of the run folder\n"
	      "  -q, --quiet       print errors only\n"
	      "  -V, --version     print the version and exit\n"
	      "      --device N    the GPU whose name and clocks a probe reports (default 0)\n"
	      "      --env FILE    probe this machine (CPU, GPU and clocks, compiler, NVRTC,\n"
	      "                    tttd commit, date), write the facts to FILE and exit;\n"
	      "                    tttd-discover does this right after the final A/B\n"
	      "\n"
	      "The machine named in the report comes from run/best/environment.json when\n"
	      "it exists (the machine that re-measured the best), else from a probe now.\n"
	      "Exit status: 0 success, 1 no such run, damaged input or I/O error, 2 usage.\n",
	      f);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "env", required_argument, NULL, OPT_ENV },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_OUTPUT,
		.shortopts = "",
		.longopts = longopts,
	};
	const char *env_out = NULL;
	struct tool_common com = { 0 }; /* com.output: -o DIR */
	struct tttd_env env;
	struct tttd_error e;
	struct tttd_run *run;
	char *env_path;
	int c, device = 0, probed = 0;

	diag_init("tttd-report", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_DEVICE: device = (int)opt_long(optarg, "--device", 0, 1023); break;
		case OPT_ENV: env_out = optarg; break;
		}
	}
	if (env_out) {
		if (optind != argc)
			usage_die("--env takes no run folder");
		tttd_env_probe(&env, device);
		if (tttd_env_save(&env, env_out, &e) < 0)
			die_err(&e);
		tttd_env_release(&env);
		close_stdout();
		return 0;
	}
	if (optind == argc)
		usage_die("no run folder given");
	if (argc - optind > 1)
		usage_die("unexpected argument '%s'", argv[optind + 1]);
	if (tttd_run_load(&run, argv[optind], &e) < 0)
		die_err(&e);
	env_path = xasprintf("%s/best/environment.json", argv[optind]);
	if (tttd_env_load(&env, env_path, &e) < 0) {
		if (e.code != TTTD_ENOENT)
			warn("%s; probing this machine instead", e.msg);
		tttd_env_probe(&env, device);
		probed = 1;
	}
	free(env_path);
	if (tttd_report_write(run, &env, com.output ? com.output : argv[optind], &e) < 0)
		die_err(&e);
	note(1, "%zu evaluated in %zu steps; %s/report.html%s", run->neval, run->nsteps,
	     com.output ? com.output : argv[optind],
	     probed && run->have_confirmed ? " (machine facts probed now, not at the A/B)" : "");
	tttd_env_release(&env);
	tttd_run_free(run);
	close_stdout();
	return 0;
}
