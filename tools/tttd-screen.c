/*
 * tttd-screen - send only the most promising proposals to be evaluated: fit
 * a value model (lib/search/surrogate.h, a Gaussian process) to every candidate of
 * the archive that has been benchmarked, score the proposals on stdin (the
 * policy's samples, from tttd-generate) by expected improvement, and write
 * the --keep x (number of groups) best of the whole pool, best first (a
 * group is one parent's proposals; --per-group keeps the --keep best of
 * each instead).  Why the whole pool: PUCT picks some parents to explore,
 * and all of such a parent's children can be poor; kept per group, they
 * would cost evaluations the model expects nothing from.
 *
 * Proposals also come from recombination: with probability --recombine a
 * proposal gets a sibling that takes each decision from one of the
 * archive's --mates fastest states with probability 1/2 (good decisions of
 * other lineages), and from exploration: --explore choices drawn uniformly
 * from the whole space, dealt to the groups in turn, so that the model can
 * send the search far from every parent when it expects more there (the
 * policy's children stay near their parent); all are screened alike.  And
 * --local of the kept are local moves: the best unevaluated one-decision
 * neighbours of the archive's fastest state (see local_moves).  A proposal
 * whose choice is in the archive already, or repeated in the pool, is never
 * kept: its time is known.  With fewer than two correct candidates in the
 * archive there is no model yet: the pool's first proposals are kept as
 * drawn (no local moves).
 *
 * Times here are costs (candidate.h): with --objective baseline, a
 * candidate's time over the baseline's, measured beside it (tttd-bench
 * --paired); "fastest" then means the best against the baseline.
 *
 * Output is a pure function of the inputs and --seed.  It compiles, runs
 * and trains nothing.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "choiceset.h"
#include "diag.h"
#include "opt.h"
#include "rec.h"
#include "rng.h"
#include "schema.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "surrogate.h"
#include "task.h"
#include "tttd.h"

#define SYNOPSIS                                                                                     \
	"tttd-screen [-fhqVz] [-o file] [--archive file]... [--explore n] [--keep k] [--local n]\n"  \
	"                   [--mates n] [--objective time|baseline] [--per-group] [--recombine p]\n" \
	"                   [--seed n] [--task name] [file ...]"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Keep the proposals a value model of the archive finds most promising.\n"
	      "\n"
	      "  -f, --force          read or write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --archive=FILE   benchmarked candidates to fit the model to (repeat\n"
	      "                       it; default: none, so nothing is screened)\n"
	      "      --explore=N      add N uniform draws from the whole space to the\n"
	      "                       pool (default 0: off; measured, it did not pay)\n"
	      "      --keep=K         proposals kept: K times the number of groups, the\n"
	      "                       best of the whole pool (default 2)\n"
	      "      --local=N        of those, N are the best unevaluated one-decision\n"
	      "                       neighbours of the archive's fastest state (default\n"
	      "                       1; 0 = off)\n"
	      "      --mates=N        recombine with the archive's N fastest (default 4)\n"
	      "      --objective=O    what the model predicts: time (default), or\n"
	      "                       baseline, the time over the baseline's\n"
	      "                       (1 / baseline_ratio, from tttd-bench --paired)\n"
	      "      --per-group      keep the K best of each group instead (a group is\n"
	      "                       one parent's proposals)\n"
	      "      --recombine=P    probability that a proposal gets a recombined\n"
	      "                       sibling (default 0.3; 0 = off)\n"
	      "      --seed=N         random seed (default 0)\n"
	      "      --task=NAME      task folder or name (default: the first record's)\n"
	      "\n"
	      "The proposals are the generated candidate records of the inputs; with no\n"
	      "file, or when file is -, read standard input.  Exit status: 0 success,\n"
	      "1 bad input or I/O error, 2 usage.\n",
	      f);
}

/* clang-format off */
enum {
	OPT_ARCHIVE = 256,
	OPT_EXPLORE,
	OPT_KEEP,
	OPT_LOCAL,
	OPT_MATES,
	OPT_OBJECTIVE,
	OPT_PER_GROUP,
	OPT_RECOMBINE,
	OPT_SEED,
	OPT_TASK
};
/* clang-format on */

static const struct option longopts[] = {
	{ "archive", required_argument, NULL, OPT_ARCHIVE },
	{ "explore", required_argument, NULL, OPT_EXPLORE },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "local", required_argument, NULL, OPT_LOCAL },
	{ "mates", required_argument, NULL, OPT_MATES },
	{ "objective", required_argument, NULL, OPT_OBJECTIVE },
	{ "per-group", no_argument, NULL, OPT_PER_GROUP },
	{ "recombine", required_argument, NULL, OPT_RECOMBINE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "task", required_argument, NULL, OPT_TASK },
	{ NULL, 0, NULL, 0 },
};
static const struct tool_opts topts = {
	.usage = usage,
	.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_ZSTD,
	.shortopts = "",
	.longopts = longopts,
};

static struct {
	struct tool_common com; /* -f, -o, -z */
	const char **archive;
	size_t narchive;
	long explore;
	long keep;
	long local;
	long mates;
	int per_group;
	double recombine;
	uint64_t seed;
	const char *task;
	enum tttd_objective objective;
} opt = { .explore = 0, .keep = 2, .local = 1, .mates = 4, .recombine = 0.3 };

static struct tttd_task *task;

/* One proposal of the pool. */
struct prop {
	struct tttd_rec rec;
	int *choice;
	size_t group; /* index into groups */
	size_t order; /* position in the pool */
	double score;
	int known;  /* in the archive, or earlier in the pool: its time is known */
	int forced; /* a local move (--local): kept before the group's screened picks */
};

static struct prop *pool;
static size_t npool, cappool;
static char **groups;
static size_t ngroups;

static void
load_task(const struct tttd_cand *v, const char *in, uint64_t index)
{
	struct tttd_error e = { 0 };

	if (task)
		return;
	if (!opt.task && !v->task)
		die("%s: record %llu: no 'task' (use --task)", in, (unsigned long long)index);
	if (tttd_task_load(&task, opt.task ? opt.task : v->task, &e) < 0)
		die_err(&e);
}

/* The archive: every benchmarked candidate's choice and time (0 = failed). */
static void
read_archive(struct tttd_choiceset *known)
{
	struct tttd_error e = { 0 };
	struct tttd_rec r;
	size_t i;
	int *c = NULL;

	tttd_rec_init(&r);
	for (i = 0; i < opt.narchive; i++) {
		struct tttd_reader *rd;

		if (tttd_reader_open(&rd, opt.archive[i], 1, &e) < 0)
			die_err(&e);
		for (;;) {
			uint64_t index = tttd_reader_count(rd);
			int rc = tttd_reader_next(rd, &r, &e);
			struct tttd_cand v;
			double t;
			char why[200];
			long k;

			if (rc < 0)
				die_err(&e);
			if (rc == 0)
				break;
			tttd_cand_read(&v, &r);
			if (!v.candidate || v.st == TTTD_ST_GENERATED || v.st == TTTD_ST_NONE) {
				tttd_cand_release(&v);
				continue;
			}
			load_task(&v, opt.archive[i], index);
			if (!c)
				c = xmalloc((task->ndec + 1) * sizeof(int));
			if (tttd_task_choice_from_rec(task, &r, "decisions", c, &e) < 0)
				die("%s: record %llu: %s", opt.archive[i], (unsigned long long)index, e.msg);
			/* a failure's time is 0, whatever the record says */
			if (tttd_cand_cost(&v, opt.objective, &t, why, sizeof(why)) < 0)
				die("%s: record %llu: %s", opt.archive[i], (unsigned long long)index, why);
			tttd_cand_release(&v);
			/* a choice measured twice keeps its faster time (the archive's best) */
			k = tttd_choiceset_find(known, c);
			if (k < 0 || (t > 0 && (known->value[k] <= 0 || t < known->value[k])))
				tttd_choiceset_put(known, c, t);
		}
		tttd_reader_free(rd);
	}
	tttd_rec_release(&r);
	free(c);
}

/* The index of group g (NULL: the group of candidates without one, ""). */
static size_t
group_of(const char *g)
{
	size_t i;

	if (!g)
		g = "";
	for (i = 0; i < ngroups; i++)
		if (strcmp(groups[i], g) == 0)
			return i;
	groups = xrealloc(groups, (ngroups + 1) * sizeof(char *));
	groups[ngroups] = xstrdup(g);
	return ngroups++;
}

static struct prop *
add_prop(void)
{
	struct prop *p;

	if (npool == cappool)
		XGROW(pool, cappool, npool + 1);
	p = &pool[npool];
	memset(p, 0, sizeof(*p));
	tttd_rec_init(&p->rec);
	p->choice = xmalloc((task->ndec + 1) * sizeof(int));
	p->order = npool++;
	return p;
}

static void
read_proposals(char *const *inputs, int nin)
{
	struct tttd_error e = { 0 };
	struct tttd_rec r;
	int i;

	tttd_rec_init(&r);
	for (i = 0; i < nin; i++) {
		struct tttd_reader *rd;
		const char *in = strcmp(inputs[i], "-") ? inputs[i] : "(stdin)";

		if (tttd_reader_open(&rd, inputs[i], opt.com.force, &e) < 0)
			die_err(&e);
		for (;;) {
			uint64_t index = tttd_reader_count(rd);
			int rc = tttd_reader_next(rd, &r, &e);
			struct tttd_cand v;
			struct prop *p;

			if (rc < 0)
				die_err(&e);
			if (rc == 0)
				break;
			tttd_cand_read(&v, &r);
			if (!v.candidate) {
				tttd_cand_release(&v);
				continue;
			}
			load_task(&v, in, index);
			p = add_prop();
			tttd_rec_copy(&p->rec, &r);
			if (tttd_task_choice_from_rec(task, &r, "decisions", p->choice, &e) < 0)
				die("%s: record %llu: %s", in, (unsigned long long)index, e.msg);
			p->group = group_of(v.group);
			tttd_cand_release(&v);
		}
		tttd_reader_free(rd);
	}
	tttd_rec_release(&r);
}

struct ranked {
	double t;
	size_t i;
};

static int
by_time(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t ? 1
					      : (x->i > y->i) - (x->i < y->i);
}

/*
 * A sibling of proposal i with choice c, made here (origin "recombined" or
 * "explore"): same parent, group and step, so that it is screened, trained
 * on and scored as that parent's child; no logp, the policy did not draw it.
 */
static void
sibling(size_t i, const int *c, const char *origin)
{
	const struct tttd_field *pd;
	struct prop *p = add_prop(); /* pool may move: index pool[i] after this */
	struct tttd_cand v;

	memcpy(p->choice, c, task->ndec * sizeof(int));
	p->group = pool[i].group;
	tttd_cand_read(&v, &pool[i].rec);
	pd = tttd_rec_find(&pool[i].rec, "parent_decisions");
	tttd_task_candidate_rec(task, c, v.step, v.parent ? v.parent : "", groups[p->group],
				pd ? pd->val : NULL, pd ? pd->vlen : 0, &p->rec);
	tttd_rec_set_str(&p->rec, "policy", v.policy ? v.policy : origin);
	tttd_rec_set_int(&p->rec, "seed", v.seed);
	tttd_rec_set_str(&p->rec, "origin", origin);
	tttd_rec_stamp(&p->rec, "tttd-screen");
	tttd_rec_set_str(&p->rec, "status", "generated");
	tttd_cand_release(&v);
}

/*
 * Draw as tttd-generate --uniform does, into c: each decision in task order
 * among the options that keep the partial choice feasible.  @return 1, or 0
 * at a dead end.
 */
static int
draw_uniform(struct tttd_rng *rng, int *c, int *ok)
{
	size_t d, o, n;

	for (d = 0; d < task->ndec; d++) {
		for (n = 0, o = 0; o < task->dec[d].nopt; o++) {
			c[d] = (int)o;
			if (tttd_task_feasible(task, c, d + 1))
				ok[n++] = (int)o;
		}
		if (n == 0)
			return 0;
		c[d] = ok[tttd_rng_below(rng, n)];
	}
	return 1;
}

/* Exploration: --explore uniform draws, dealt to the groups in turn. */
static void
explore(void)
{
	struct tttd_rng rng;
	size_t *first = xmalloc((ngroups + 1) * sizeof(size_t)), i, g, maxopt = 1, d;
	int *c = xmalloc((task->ndec + 1) * sizeof(int)), *ok;
	long k, n0 = (long)npool;

	for (d = 0; d < task->ndec; d++)
		if (task->dec[d].nopt > maxopt)
			maxopt = task->dec[d].nopt;
	ok = xmalloc(maxopt * sizeof(int));
	for (g = 0; g < ngroups; g++)
		first[g] = (size_t)-1;
	for (i = 0; i < (size_t)n0; i++)
		if (first[pool[i].group] == (size_t)-1)
			first[pool[i].group] = i;
	tttd_rng_seed2(&rng, opt.seed, 0x6578706c6f7265ull); /* "explore" */
	for (k = 0; k < opt.explore && ngroups > 0; k++) {
		int tries;

		for (tries = 0; tries < 64 && !draw_uniform(&rng, c, ok); tries++)
			;
		if (tries == 64)
			break;
		sibling(first[(size_t)k % ngroups], c, "explore");
	}
	free(first);
	free(c);
	free(ok);
}

/*
 * Recombined siblings: each decision from one of the archive's fastest
 * states with probability 1/2.  The sibling keeps its proposal's parent and
 * group (it is screened and trained on as that parent's child) but has no
 * log-probability: the policy did not draw it.
 */
static void
recombine(const struct tttd_choiceset *known)
{
	struct ranked *rk;
	size_t i, nok = 0, n0 = npool, nm;
	struct tttd_rng rng;
	int *c = xmalloc((task->ndec + 1) * sizeof(int));

	if (opt.recombine <= 0 || known->n == 0)
		goto out;
	rk = xmalloc(known->n * sizeof(*rk));
	for (i = 0; i < known->n; i++)
		if (known->value[i] > 0) {
			rk[nok].t = known->value[i];
			rk[nok].i = i;
			nok++;
		}
	qsort(rk, nok, sizeof(*rk), by_time);
	nm = nok < (size_t)opt.mates ? nok : (size_t)opt.mates;
	tttd_rng_seed2(&rng, opt.seed, 0x7265636f6d62ull); /* "recomb" */
	for (i = 0; i < n0 && nm > 0; i++) {
		const int *mate;
		size_t d;
		int changed = 0;

		if (tttd_rng_uniform(&rng) >= opt.recombine)
			continue;
		mate = known->choice + rk[tttd_rng_below(&rng, nm)].i * task->ndec;
		memcpy(c, pool[i].choice, task->ndec * sizeof(int));
		for (d = 0; d < task->ndec; d++)
			if (tttd_rng_below(&rng, 2) && c[d] != mate[d]) {
				c[d] = mate[d];
				changed = 1;
			}
		if (!changed || !tttd_task_feasible(task, c, task->ndec))
			continue;
		sibling(i, c, "recombined");
	}
	free(rk);
out:
	free(c);
}

struct scored {
	double score;
	size_t i; /* index into the neighbour list */
};

static int
by_score(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * Local moves (trust region of radius one decision): the --local
 * unevaluated one-decision neighbours of the archive's fastest state that
 * has any, best expected improvement first, dealt to the groups in turn and
 * kept before each group's screened picks.  Why: the value model's expected
 * improvement favours choices far from everything measured, where it knows
 * least; on a rugged landscape (one decision flips the time by 10x) the
 * model is poor and those picks are mostly wasted, while the best state's
 * neighbours are where a hill climber finds the optimum.  So a share of
 * every step always climbs, ranked by the model, and the rest explores.
 * When every neighbour of the best is known (a local optimum), the next
 * fastest state's neighbourhood is used, as a restart would.
 */
static void
local_moves(const struct tttd_choiceset *known, const struct tttd_surrogate *model)
{
	struct ranked *rk;
	struct scored *sc = NULL;
	int *nb = NULL, *c = xmalloc((task->ndec + 1) * sizeof(int));
	size_t *first = xmalloc((ngroups + 1) * sizeof(size_t)), i, r, d, o, nok = 0, nnb = 0, g, n0 = npool;
	long k;

	rk = xmalloc((known->n + 1) * sizeof(*rk));
	for (i = 0; i < known->n; i++)
		if (known->value[i] > 0) {
			rk[nok].t = known->value[i];
			rk[nok].i = i;
			nok++;
		}
	qsort(rk, nok, sizeof(*rk), by_time);
	for (r = 0; r < nok && nnb == 0; r++) {
		const int *best = known->choice + rk[r].i * task->ndec;

		for (d = 0; d < task->ndec; d++)
			for (o = 0; o < task->dec[d].nopt; o++) {
				if ((int)o == best[d])
					continue;
				memcpy(c, best, task->ndec * sizeof(int));
				c[d] = (int)o;
				if (!tttd_task_feasible(task, c, task->ndec) || tttd_choiceset_find(known, c) >= 0)
					continue;
				nb = xrealloc(nb, (nnb + 1) * task->ndec * sizeof(int));
				memcpy(nb + nnb * task->ndec, c, task->ndec * sizeof(int));
				sc = xrealloc(sc, (nnb + 1) * sizeof(*sc));
				sc[nnb].score = tttd_surrogate_score(model, c, NULL, NULL);
				sc[nnb].i = nnb;
				nnb++;
			}
	}
	qsort(sc, nnb, sizeof(*sc), by_score);
	for (g = 0; g < ngroups; g++)
		first[g] = (size_t)-1;
	for (i = 0; i < n0; i++)
		if (first[pool[i].group] == (size_t)-1)
			first[pool[i].group] = i;
	for (k = 0; k < opt.local && (size_t)k < nnb; k++) {
		const int *m = nb + sc[k].i * task->ndec;

		/* the same choice proposed in the pool is not kept twice */
		for (i = 0; i < npool; i++)
			if (memcmp(pool[i].choice, m, task->ndec * sizeof(int)) == 0) {
				pool[i].known = 1;
				pool[i].score = -INFINITY;
			}
		sibling(first[(size_t)k % ngroups], m, "local");
		pool[npool - 1].forced = 1;
		pool[npool - 1].score = sc[k].score;
	}
	free(rk);
	free(sc);
	free(nb);
	free(c);
	free(first);
}

static int pool_wide;

static int
by_group_score(const void *a, const void *b)
{
	const struct prop *x = *(const struct prop *const *)a, *y = *(const struct prop *const *)b;

	if (!pool_wide && x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->forced != y->forced)
		return y->forced - x->forced;
	if (x->known != y->known)
		return x->known - y->known;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_writer *w = NULL;
	struct tttd_choiceset known, seen;
	struct tttd_surrogate *model = NULL;
	struct prop **order;
	size_t i, nok = 0, kept = 0, g = (size_t)-1;
	long in_group = 0;
	int npool_done = 0;
	int c, nin;
	char *const stdin_only[] = { "-" };

	diag_init("tttd-screen", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &opt.com)) != -1) {
		switch (c) {
		case OPT_ARCHIVE:
			opt.archive = xrealloc(opt.archive, (opt.narchive + 1) * sizeof(char *));
			opt.archive[opt.narchive++] = optarg;
			break;
		case OPT_EXPLORE:
			opt.explore = opt_long(optarg, "--explore", 0, 1000000);
			break;
		case OPT_KEEP:
			opt.keep = opt_long(optarg, "--keep", 1, 1000000);
			break;
		case OPT_LOCAL:
			opt.local = opt_long(optarg, "--local", 0, 1000000);
			break;
		case OPT_OBJECTIVE:
			opt.objective = (enum tttd_objective)opt_choice(optarg, "--objective", tttd_objective_names);
			break;
		case OPT_PER_GROUP:
			opt.per_group = 1;
			break;
		case OPT_MATES:
			opt.mates = opt_long(optarg, "--mates", 1, 1000000);
			break;
		case OPT_RECOMBINE:
			opt.recombine = opt_double(optarg, "--recombine", 0, 1);
			break;
		case OPT_SEED:
			opt.seed = (uint64_t)opt_long(optarg, "--seed", 0, INT64_MAX);
			break;
		case OPT_TASK:
			opt.task = optarg;
			break;
		}
	}
	if (opt.task) {
		if (tttd_task_load(&task, opt.task, &e) < 0)
			die_err(&e);
	}
	nin = argc - optind;
	read_proposals(nin ? argv + optind : stdin_only, nin ? nin : 1);
	if (tttd_writer_open(&w, opt.com.output, opt.com.wflags, &e) < 0)
		die_err(&e);
	if (npool == 0) {
		if (tttd_writer_close(w, &e) < 0)
			die_err(&e);
		note(1, "no proposal to screen");
		close_stdout();
		return 0;
	}
	tttd_choiceset_init(&known, task->ndec);
	tttd_choiceset_init(&seen, task->ndec);
	read_archive(&known);
	recombine(&known);
	if (known.n > 0)
		explore();
	for (i = 0; i < known.n; i++)
		nok += known.value[i] > 0;
	if (nok >= 2) {
		model = tttd_surrogate_fit(task, known.choice, known.value, known.n, &e);
		if (!model)
			die_err(&e);
	}
	/* score; a choice already known, or seen earlier in the pool, is never kept */
	for (i = 0; i < npool; i++) {
		struct prop *p = &pool[i];

		if (tttd_choiceset_find(&known, p->choice) >= 0 ||
		    tttd_choiceset_find(&seen, p->choice) >= 0) {
			p->known = 1;
			p->score = -INFINITY;
			continue;
		}
		tttd_choiceset_put(&seen, p->choice, 0);
		/* without a model: the policy's order (earlier drawn, higher score) */
		p->score = model ? tttd_surrogate_score(model, p->choice, NULL, NULL)
				 : -(double)p->order / (double)npool;
	}
	if (model && opt.local > 0)
		local_moves(&known, model);
	order = xmalloc(npool * sizeof(*order));
	for (i = 0; i < npool; i++)
		order[i] = &pool[i];
	pool_wide = !opt.per_group;
	qsort(order, npool, sizeof(*order), by_group_score);
	if (pool_wide) {
		long want = opt.keep * (long)ngroups;

		for (i = 0; i < npool && (long)kept < want; i++) {
			if (order[i]->known && kept > 0)
				break;
			if (tttd_writer_write(w, &order[i]->rec, &e) < 0)
				die_err(&e);
			kept++;
		}
		npool_done = 1;
	}
	/* the --keep best new choices of each group; a group with none new keeps its best anyway */
	for (i = 0; i < npool && !npool_done; i++) {
		struct prop *p = order[i];

		if (p->group != g) {
			g = p->group;
			in_group = 0;
		}
		if (in_group >= opt.keep)
			continue;
		if (p->known && in_group > 0)
			continue;
		in_group++;
		if (tttd_writer_write(w, &p->rec, &e) < 0)
			die_err(&e);
		kept++;
	}
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	note(1, "kept %zu of %zu proposals (%zu groups; model of %zu candidates, lengthscale %g)",
	     kept, npool, ngroups, known.n, model ? tttd_surrogate_lengthscale(model) : 0.0);
	free(order);
	tttd_surrogate_free(model);
	tttd_choiceset_free(&known);
	tttd_choiceset_free(&seen);
	for (i = 0; i < npool; i++) {
		tttd_rec_release(&pool[i].rec);
		free(pool[i].choice);
	}
	free(pool);
	for (i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
	free(opt.archive);
	tttd_task_free(task);
	close_stdout();
	return 0;
}
