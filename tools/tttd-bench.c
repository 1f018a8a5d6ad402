/*
 * tttd-bench - check compiled candidates against the task's reference and
 * time them, each in a worker process that can be killed.  Wiring only: the
 * workers, the checking and the timing protocol live in lib/bench/bench.c, the
 * backends in lib/backend*.c.
 *
 * Candidates with status "compiled" are benchmarked; every other record
 * passes through unchanged and in order.  A failing candidate is a record
 * (status wrong, nan, crash, timeout, ...), never a failure of the tool.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"     /* defines: tttd_bench_* */
#include "candidate.h" /* defines: tttd_cand_read */
#include "benchmac.h"
#include "diag.h"
#include "opt.h"
#include "rec.h"
#include "schema.h" /* defines: tttd_rec_stamp_seed */
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "target.h" /* defines: tttd_target_backend_names */
#include "task.h"   /* defines: tttd_task_load, tttd_task_free */

#define SYNOPSIS                                                                              \
	"tttd-bench [-fhqvVz] [-o file] [--backend cpu|cuda|auto] [--device n] [--done file]" \
	" [--keep-object] [--max-reps n] [--max-time s] [--min-reps n] [--no-flush]"          \
	" [--paired] [--ref-ns ns] [--rse x] [--seed n] [--shape MxNx..] [--task name]"       \
	" [--timeout s] [file ...]"

enum {
	OPT_BACKEND = 256,
	OPT_DEVICE,
	OPT_DONE,
	OPT_KEEP_OBJECT,
	OPT_MAX_REPS,
	OPT_MAX_TIME,
	OPT_MIN_REPS,
	OPT_NO_FLUSH,
	OPT_PAIRED,
	OPT_NO_PROGRESS,
	OPT_PROGRESS,
	OPT_REF_NS,
	OPT_RSE,
	OPT_SEED,
	OPT_SHAPE,
	OPT_TASK,
	OPT_TIMEOUT,
};

static const char *const *const backend_names = tttd_target_backend_names;

/* One task met in the input, with its bench (and worker). */
struct taskslot {
	char *name;
	struct tttd_task *t;  /* NULL: the task does not load (its records cannot be verified) */
	struct tttd_bench *b; /* started on first use */
	char *context;        /* what a measurement's MAC covers besides the record (benchmac.h) */
};

/* Records already benchmarked (--done), sorted by id. */
struct done {
	char *id;
	struct tttd_rec r;
};

static struct tttd_bench_opts bopts;
static const char *opt_task, *opt_done, *opt_shape;
static double opt_ref_ns; /* the run's reference time (--ref-ns), 0: this process's own */
static int opt_keep_object;
static struct tool_common com; /* -f, -o, -z */
static struct taskslot *slots;
static size_t nslots;
static struct done *dones;
static size_t ndones;
static unsigned char *bench_key; /* benchmac.h */

/* Counters for progress and the summary. */
static unsigned long n_bench, n_reused, n_ok, n_remeasured, n_unverified;
static double best_ns, best_speedup; /* the fastest ok candidate so far, and its speed-up */
static const enum tttd_status kinds[] = { TTTD_ST_WRONG, TTTD_ST_NAN, TTTD_ST_CRASH,
					  TTTD_ST_TIMEOUT, TTTD_ST_OOM, TTTD_ST_LOAD_ERROR,
					  TTTD_ST_TOO_FAST, TTTD_ST_LAUNCH_ERROR, TTTD_ST_NONE };
static unsigned long n_kind[sizeof(kinds) / sizeof(kinds[0])];

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("Check compiled candidates against the task's reference and time them.\n"
	      "\n"
	      "  -f, --force           read or write binary records on a terminal\n"
	      "  -h, --help            print this help and exit\n"
	      "  -o, --output FILE     write to FILE (FILE.tmp, renamed when done)\n"
	      "  -q, --quiet           print errors only\n"
	      "  -v, --verbose         one line per candidate, and progress\n"
	      "  -V, --version         print the version and exit\n"
	      "  -z, --zstd            compress the output (implied by -o x.zst)\n"
	      "      --backend NAME    cpu, cuda or auto (the task's target); default\n"
	      "                        $TTTD_BACKEND, else auto\n"
	      "      --device N        device number (default 0)\n"
	      "      --done FILE       reuse the records of candidates benchmarked in FILE\n"
	      "      --keep-object     keep the compiled object in the records\n"
	      "      --max-reps N      timed repetitions per shape at most (default 200)\n"
	      "      --max-time S      timing budget per candidate in seconds (default 2)\n"
	      "      --min-reps N      timed repetitions per shape at least (default 5)\n"
	      "      --no-flush        do not flush caches before each repetition\n"
	      "      --paired          a builtin baseline call after each timed call (its\n"
	      "                        baseline_ratio compares calls made side by side), and\n"
	      "                        the reference timed again next to each candidate\n"
	      "                        (with --ref-ns: not; the speed-ups divide that)\n"
	      "      --progress        show progress on stderr (--no-progress: never)\n"
	      "      --ref-ns NS       speed-ups against this reference time (the run's,\n"
	      "                        measured once) instead of this process's own\n"
	      "      --rse X           stop when the relative standard error of the mean\n"
	      "                        falls below X (default 0.01)\n"
	      "      --seed N          seed of the input generator (default 1)\n"
	      "      --shape S         time at these shapes instead of the task's bench\n"
	      "                        shapes: dims joined by x, shapes by commas\n"
	      "      --task NAME       task name or folder (default: each record's task)\n"
	      "      --timeout S       per-candidate limit in seconds (default 10)\n"
	      "\n"
	      "With no file, or when file is -, read standard input.  Candidates with\n"
	      "status \"compiled\" get status ok, wrong, nan, crash, timeout, oom, load_error,\n"
	      "too_fast or launch_error, with time_ns, ref_ns, speedup, timing and check;\n"
	      "other records pass through.  Exit status: 0 success (failed candidates\n"
	      "included), 1 runtime error (bad input, I/O, no device), 2 usage.\n",
	      f);
}

static int
cmp_done(const void *a, const void *b)
{
	return strcmp(((const struct done *)a)->id, ((const struct done *)b)->id);
}

/* Load --done: keep every complete benchmarked candidate; a damaged tail is a warning. */
static void
load_done(const char *path)
{
	struct tttd_reader *rd;
	struct tttd_error e;
	struct tttd_rec r;
	size_t cap = 0;
	int rc;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		note(2, "'%s' does not exist yet: nothing to reuse", path);
		return;
	}
	if (tttd_reader_open(&rd, path, 1, &e) < 0)
		die_err(&e);
	tttd_rec_init(&r);
	while ((rc = tttd_reader_next(rd, &r, &e)) > 0) {
		struct tttd_cand c;

		tttd_cand_read(&c, &r);
		if (!c.candidate || !c.id || c.st == TTTD_ST_COMPILED ||
		    c.st == TTTD_ST_GENERATED) {
			tttd_cand_release(&c);
			continue;
		}
		XGROW(dones, cap, ndones + 1);
		dones[ndones].id = c.id;
		c.id = NULL; /* the done list owns it */
		tttd_cand_release(&c);
		tttd_rec_init(&dones[ndones].r);
		tttd_rec_copy(&dones[ndones].r, &r);
		ndones++;
	}
	if (rc < 0)
		warn("%s; keeping the %zu benchmarked records before it", e.msg, ndones);
	tttd_rec_release(&r);
	tttd_reader_free(rd);
	if (ndones)
		qsort(dones, ndones, sizeof(*dones), cmp_done);
}

static const struct tttd_rec *
find_done(const char *id)
{
	struct done key = { .id = (char *)id };
	/* (no --done: dones is NULL, which bsearch may not be given) */
	struct done *d = ndones ? bsearch(&key, dones, ndones, sizeof(*dones), cmp_done) : NULL;

	return d ? &d->r : NULL;
}

/*
 * The context a measurement of task t is made in: the task and the shapes
 * it is timed at, the protocol and the options that shape the numbers.  A
 * record measured under other ones is measured again.
 */
static char *
bench_context(const struct tttd_task *t)
{
	char *ctx = xasprintf("task=%s target=%s protocol=%d backend=%s seed=%llu rse=%.17g "
			      "min_reps=%ld max_reps=%ld max_time=%.17g flush=%d paired=%d shapes=",
			      t->name, t->target, bopts.protocol, bopts.backend,
			      (unsigned long long)bopts.seed, bopts.rse, bopts.min_reps, bopts.max_reps,
			      bopts.max_time_s, bopts.flush,
			      bopts.paired ? 1 + bopts.paired_baseline_only : 0); /* 2: baseline only */
	size_t i, d;

	for (i = 0; i < t->nbench; i++)
		for (d = 0; d < t->ndim; d++) {
			char *more = xasprintf("%s%s%ld", ctx, d ? "x" : i ? ","
									   : "",
					       t->bench[i].dim[d]);

			free(ctx);
			ctx = more;
		}
	return ctx;
}

/*
 * The slot of task name, its task loaded.  strict: a task that does not
 * load is fatal (it is to be measured); else the slot has no task.
 */
static struct taskslot *
slot_for(const char *name, int strict)
{
	struct tttd_error e;
	struct taskslot *s;
	size_t i;

	for (i = 0; i < nslots; i++)
		if (strcmp(slots[i].name, name) == 0) {
			if (strict && !slots[i].t)
				break;
			return &slots[i];
		}
	if (i == nslots) {
		slots = xrealloc(slots, (nslots + 1) * sizeof(*slots));
		s = &slots[nslots++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(name);
	} else {
		s = &slots[i];
	}
	if (tttd_task_load(&s->t, name, &e) < 0) {
		s->t = NULL;
		if (strict)
			die_err(&e);
		return s;
	}
	if (opt_shape && tttd_task_set_bench_shapes(s->t, opt_shape, &e) < 0)
		usage_die("--shape: %s", e.msg);
	s->context = bench_context(s->t);
	return s;
}

/*
 * The slot of task name with its bench started (a model task's bench starts
 * nothing: the target evaluates in this process).
 */
static struct taskslot *
bench_for(const char *name)
{
	struct taskslot *s = slot_for(name, 1);
	struct tttd_error e;

	if (s->b)
		return s;
	if (tttd_bench_new(&s->b, s->t, &bopts, &e) < 0)
		die_err(&e);
	if (tttd_bench_start(s->b, &e) < 0)
		die_err(&e);
	if (tttd_bench_ref_ns(s->b) > 0) /* (a model task has no reference run) */
		note(2, "task '%s': reference %.0f ns on %s", s->t->name, tttd_bench_ref_ns(s->b),
		     tttd_bench_device(s->b));
	return s;
}

/* Did this tool measure r, here, for its task and these options? */
static int
verified(const struct tttd_rec *r)
{
	struct tttd_cand c;
	struct taskslot *s;
	int ok;

	tttd_cand_read(&c, r);
	if (!opt_task && !c.task) {
		tttd_cand_release(&c);
		return 0;
	}
	s = slot_for(opt_task ? opt_task : c.task, 0);
	tttd_cand_release(&c);
	ok = s->t && tttd_bench_mac_ok(bench_key, s->context, r);
	return ok;
}

static void
count(const struct tttd_rec *r)
{
	struct tttd_cand c;
	size_t k;

	tttd_cand_read(&c, r);
	if (c.st == TTTD_ST_OK) {
		n_ok++;
		if (c.time_ns > 0 && (!best_ns || c.time_ns < best_ns)) {
			best_ns = c.time_ns;
			best_speedup = c.speedup;
		}
	} else {
		for (k = 0; kinds[k]; k++)
			if (c.st == kinds[k])
				n_kind[k]++;
	}
	tttd_cand_release(&c);
}

static void
show_progress(void)
{
	char buf[256];
	size_t k, off;

	off = (size_t)snprintf(buf, sizeof(buf), "%lu benched, %lu ok", n_bench + n_reused, n_ok);
	for (k = 0; kinds[k] && off < sizeof(buf); k++)
		if (n_kind[k])
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, ", %lu %s", n_kind[k],
						tttd_status_name(kinds[k]));
	/* The time first: a speed-up is only as good as the reference it divides. */
	if (best_ns > 0 && off < sizeof(buf)) {
		char t[32];

		tttd_format_ns(best_ns, t, sizeof(t));
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, ", best %s", t);
		if (best_speedup > 0 && off < sizeof(buf))
			snprintf(buf + off, sizeof(buf) - off, " (%.2fx)", best_speedup);
	}
	progress("%s", buf);
}

/*
 * A candidate that arrives with a measurement this tool did not make (no
 * valid bench_mac: forged, edited, from another machine or protocol): its
 * measured keys go; with its object it is measured now (status compiled
 * again), without one it is "unverified", which no score rewards.
 */
static void
unmeasured(struct tttd_rec *r)
{
	struct tttd_cand c;
	const char *id;

	tttd_cand_read(&c, r);
	id = c.id;
	tttd_bench_mac_strip(r);
	if (c.has & TTTD_CAND_OBJECT) {
		note(2, "%s: arrived with a measurement tttd-bench did not make here: measuring it",
		     id ? id : "?");
		tttd_rec_set_str(r, "status", "compiled");
		tttd_rec_del(r, "reason");
		n_remeasured++;
	} else {
		note(2, "%s: arrived with a measurement tttd-bench did not make here, and no object "
			"to measure: unverified",
		     id ? id : "?");
		tttd_rec_set_str(r, "status", "unverified");
		tttd_rec_set_str(r, "reason",
				 "its time was not measured by tttd-bench on this machine with this "
				 "task and protocol (no valid bench_mac), and it has no object to "
				 "measure again");
		n_unverified++;
	}
	tttd_cand_release(&c);
}

static void
bench_one(struct tttd_rec *r)
{
	const struct tttd_rec *old;
	struct taskslot *slot;
	struct tttd_error e;
	struct tttd_cand c;
	const char *id;

	tttd_cand_read(&c, r);
	if (!(id = c.id))
		die("record without an 'id' among the candidates");
	if ((old = find_done(id)) && !verified(old)) {
		note(2, "%s: not reused from '%s': not measured by tttd-bench here with this task and "
			"protocol (no valid bench_mac)",
		     id, opt_done);
		n_remeasured++;
		old = NULL;
	}
	if (old) {
		tttd_rec_copy(r, old);
		n_reused++;
		count(r);
		note(2, "%s: reused from '%s'", id, opt_done);
		tttd_cand_release(&c);
		return;
	}
	if (!opt_task && !c.task)
		die("candidate '%s' has no 'task' (use --task)", id);
	slot = bench_for(opt_task ? opt_task : c.task);
	if (tttd_bench_run(slot->b, r, opt_keep_object, &e) < 0)
		die_err(&e);
	if (opt_ref_ns > 0) {
		/* One reference per run: the speed-up divides the run's reference time. */
		struct tttd_cand b; /* what the bench made of it */

		tttd_cand_read(&b, r);
		if ((b.has | b.bad) & TTTD_CAND_REF_NS) {
			tttd_rec_set_double(r, "ref_ns", opt_ref_ns);
			if (b.st == TTTD_ST_OK && b.time_ns > 0)
				tttd_rec_set_double(r, "speedup", opt_ref_ns / b.time_ns);
		}
		tttd_cand_release(&b);
	}
	tttd_rec_stamp_seed(r, "tttd-bench", bopts.seed);
	/* Last: the MAC covers every key set above. */
	tttd_bench_mac_set(bench_key, slot->context, r);
	n_bench++;
	count(r);
	if (verbosity >= 2) {
		struct tttd_cand b; /* what the bench made of it */

		tttd_cand_read(&b, r);
		if (b.reason)
			note(2, "%s: %s: %s", id, b.status, b.reason);
		else
			note(2, "%s: %s %.0f ns, %.2fx", id, b.status, b.time_ns, b.speedup);
		tttd_cand_release(&b);
	}
	tttd_cand_release(&c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "done", required_argument, NULL, OPT_DONE },
		{ "keep-object", no_argument, NULL, OPT_KEEP_OBJECT },
		{ "max-reps", required_argument, NULL, OPT_MAX_REPS },
		{ "max-time", required_argument, NULL, OPT_MAX_TIME },
		{ "min-reps", required_argument, NULL, OPT_MIN_REPS },
		{ "no-flush", no_argument, NULL, OPT_NO_FLUSH },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "paired", no_argument, NULL, OPT_PAIRED },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "ref-ns", required_argument, NULL, OPT_REF_NS },
		{ "rse", required_argument, NULL, OPT_RSE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "shape", required_argument, NULL, OPT_SHAPE },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_VERBOSE | TOOL_ZSTD,
		.shortopts = "",
		.longopts = longopts,
	};
	struct tttd_writer *w;
	struct tttd_error e;
	struct tttd_rec r;
	const char *env;
	int c, i, nin, rc, want_progress = -1;
	size_t k;

	diag_init("tttd-bench", SYNOPSIS);
	tttd_bench_opts_init(&bopts);
	if ((env = getenv("TTTD_BACKEND")) && *env)
		bopts.backend = backend_names[opt_choice(env, "TTTD_BACKEND", backend_names)];
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_BACKEND:
			bopts.backend = backend_names[opt_choice(optarg, "--backend", backend_names)];
			break;
		case OPT_DEVICE: bopts.device = (int)opt_long(optarg, "--device", 0, 1023); break;
		case OPT_DONE: opt_done = optarg; break;
		case OPT_KEEP_OBJECT: opt_keep_object = 1; break;
		case OPT_MAX_REPS: bopts.max_reps = opt_long(optarg, "--max-reps", 1, 1000000); break;
		case OPT_MAX_TIME: bopts.max_time_s = opt_duration(optarg, "--max-time"); break;
		case OPT_MIN_REPS: bopts.min_reps = opt_long(optarg, "--min-reps", 1, 1000000); break;
		case OPT_NO_FLUSH: bopts.flush = 0; break;
		case OPT_PAIRED: bopts.paired = 1; break;
		case OPT_NO_PROGRESS: want_progress = 0; break;
		case OPT_PROGRESS: want_progress = 1; break;
		case OPT_REF_NS: opt_ref_ns = opt_double(optarg, "--ref-ns", 1e-3, 1e15); break;
		case OPT_RSE: bopts.rse = opt_double(optarg, "--rse", 0, 1); break;
		case OPT_SEED: bopts.seed = (uint64_t)opt_long(optarg, "--seed", 0, 0x7fffffffL); break;
		case OPT_SHAPE: opt_shape = optarg; break;
		case OPT_TASK: opt_task = optarg; break;
		case OPT_TIMEOUT: bopts.timeout_s = opt_duration(optarg, "--timeout"); break;
		}
	}
	if (bopts.min_reps > bopts.max_reps)
		usage_die("--min-reps (%ld) is larger than --max-reps (%ld)", bopts.min_reps,
			  bopts.max_reps);
	/* With the run's reference given, only the baseline is timed beside each candidate. */
	bopts.paired_baseline_only = bopts.paired && opt_ref_ns > 0;
	if (!(bopts.timeout_s > 0))
		usage_die("--timeout must be positive");
	if (!(bopts.max_time_s > 0))
		usage_die("--max-time must be positive");
	/* -v asks for progress too, unless --no-progress says otherwise. */
	if (want_progress >= 0)
		progress_enabled = want_progress;
	else if (verbosity >= 2)
		progress_enabled = 1;

	{
		char *where, *why;

		if (tttd_bench_key_load(&bench_key, &where, &why, &e) < 0)
			die_err(&e);
		if (!where && opt_done)
			warn("bench key: %s; using a key of this process only, so nothing in '%s' "
			     "is reused",
			     why, opt_done);
		else if (!where)
			note(2, "bench key: %s; using a key of this process only", why);
		free(where);
		free(why);
	}
	if (opt_done)
		load_done(opt_done);
	/* With --task the backend can be checked before any input is read. */
	if (opt_task)
		bench_for(opt_task);

	if (tttd_writer_open(&w, com.output, com.wflags, &e) < 0)
		die_err(&e);
	tttd_rec_init(&r);
	nin = argc - optind;
	for (i = 0; i < (nin ? nin : 1); i++) {
		struct tttd_reader *rd;
		const char *path = nin ? argv[optind + i] : NULL;

		if (tttd_reader_open(&rd, path, com.force, &e) < 0)
			die_err(&e);
		while ((rc = tttd_reader_next(rd, &r, &e)) > 0) {
			struct tttd_cand cv;

			tttd_cand_read(&cv, &r);
			if (cv.candidate && cv.st != TTTD_ST_COMPILED &&
			    tttd_bench_measured(&r) && !verified(&r)) {
				unmeasured(&r);
				tttd_cand_release(&cv);
				tttd_cand_read(&cv, &r); /* it may be compiled again */
			}
			if (cv.candidate && cv.st == TTTD_ST_COMPILED) {
				bench_one(&r);
				show_progress();
			}
			tttd_cand_release(&cv);
			if (tttd_writer_write(w, &r, &e) < 0)
				die_err(&e);
		}
		if (rc < 0) {
			/* Complete records are out; keep them, then report the damage. */
			struct tttd_error we;

			tttd_writer_close(w, &we);
			die_err(&e);
		}
		tttd_reader_free(rd);
	}
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	progress_end();
	if (n_bench + n_reused > 0) {
		char buf[256];
		size_t off = (size_t)snprintf(buf, sizeof(buf), "%lu candidates (%lu reused): %lu ok",
					      n_bench + n_reused, n_reused, n_ok);

		for (k = 0; kinds[k] && off < sizeof(buf); k++)
			if (n_kind[k])
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, ", %lu %s",
							n_kind[k], tttd_status_name(kinds[k]));
		note(1, "%s", buf);
	}
	if (n_remeasured || n_unverified)
		note(1, "%lu records arrived with a measurement this tool did not make here: %lu "
			"measured again, %lu unverified (no object)",
		     n_remeasured + n_unverified, n_remeasured, n_unverified);
	tttd_rec_release(&r);
	for (k = 0; k < nslots; k++) {
		tttd_bench_free(slots[k].b);
		tttd_task_free(slots[k].t);
		free(slots[k].name);
		free(slots[k].context);
	}
	free(slots);
	for (k = 0; k < ndones; k++) {
		free(dones[k].id);
		tttd_rec_release(&dones[k].r);
	}
	free(dones);
	tttd_bench_key_free(bench_key);
	close_stdout();
	return 0;
}
