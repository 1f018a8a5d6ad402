/*
 * tttd-mutate - the variation operator of a classic genetic algorithm, the
 * baseline that test-time training is compared against (bench/ablation.sh).
 *
 * It reads a population (candidate records, e.g. the top of the archive from
 * `tttd-select --best n`, or parent records) and writes k children per
 * member: with probability --crossover a uniform crossover with another
 * member drawn at random, then a mutation that redraws each decision
 * uniformly with probability --rate (at least one decision always changes
 * when it can, so a child is never a plain copy).  Children are feasible by
 * rejection; a member without decisions (a root state) gets children drawn
 * uniformly from the feasible space.  The records have the keys tttd-generate
 * writes (policy "ga", no logp: there is no policy), so tttd-compile,
 * tttd-bench and tttd-score treat them like any candidate.
 *
 * Repeats: as in tttd-generate, a child equal to an earlier child of the
 * same member is made again (at most TTTD_MAX_REDRAWS times), so that the GA
 * and test-time training spend their evaluations under the same rule
 * (bench/ablation.sh compares them); --repeats keeps every first child.
 *
 * Output is a pure function of the input and --seed: member r of step s
 * draws from an rng seeded with mix(seed, mix(s, r)).  It does no selection
 * (that is the caller's, by reward), learns nothing and runs nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "diag.h"
#include "hash.h"
#include "opt.h"
#include "rec.h"
#include "schema.h"
#include "rng.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "task.h"
#include "tttd.h"

#define SYNOPSIS                                                                     \
	"tttd-mutate [-fhqVz] [-o file] [--children k] [--crossover p] [--rate p]\n" \
	"                   [--repeats] [--seed n] [--step n] [--task name] [file ...]"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Write mutated and crossed-over children of a population (a genetic\n"
	      "algorithm's variation step, without learning).\n"
	      "\n"
	      "  -f, --force          read or write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --children=K     children per member (default 8)\n"
	      "      --crossover=P    probability of a uniform crossover with another\n"
	      "                       member (default 0.5)\n"
	      "      --rate=P         probability that a decision is redrawn (default:\n"
	      "                       1 / number of decisions)\n"
	      "      --repeats        keep a child equal to an earlier child of the same\n"
	      "                       member (default: make it again)\n"
	      "      --seed=N         random seed (default 0)\n"
	      "      --step=N         step of the children (default: the members'\n"
	      "                       last step + 1; a parent record's own step)\n"
	      "      --task=NAME      task folder or name (default: the first record's)\n"
	      "\n"
	      "The population is every candidate or parent record of the inputs; with\n"
	      "no file, or when file is -, read standard input.  Exit status: 0 success,\n"
	      "1 bad input or I/O error, 2 usage.\n",
	      f);
}

/* clang-format off */
enum { OPT_CHILDREN = 256, OPT_CROSSOVER, OPT_RATE, OPT_REPEATS, OPT_SEED, OPT_STEP, OPT_TASK };
/* clang-format on */

static const struct option longopts[] = {
	{ "children", required_argument, NULL, OPT_CHILDREN },
	{ "crossover", required_argument, NULL, OPT_CROSSOVER },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "repeats", no_argument, NULL, OPT_REPEATS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "step", required_argument, NULL, OPT_STEP },
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
	long children;
	double crossover;
	double rate; /* < 0: 1 / ndec */
	int repeats;
	uint64_t seed;
	long step; /* < 0: from the records */
	const char *task;
} opt = { .children = 8, .crossover = 0.5, .rate = -1, .step = -1 };

/* One member of the population. */
struct member {
	char *id;
	int *choice;  /* -1 where the record has no decision (a root state) */
	int complete; /* every decision set */
	char *pdec;   /* the record's packed "decisions", or NULL */
	size_t pdec_len;
	long step;
	int is_parent; /* a parent record: its step is the children's */
};

static struct tttd_task *task;

/*
 * Draw every decision uniformly among the options that keep the partial
 * choice feasible, in task order (constraints are checked as soon as all the
 * decisions they mention are set).  @return 1, or 0 when a dead end was hit.
 */
static int
draw_uniform(int *c, struct tttd_rng *rng)
{
	size_t d, o, n;
	int *ok = xmalloc(64 * sizeof(int));
	size_t cap = 64;

	for (d = 0; d < task->ndec; d++) {
		if (task->dec[d].nopt > cap) {
			cap = task->dec[d].nopt;
			ok = xrealloc(ok, cap * sizeof(int));
		}
		for (n = 0, o = 0; o < task->dec[d].nopt; o++) {
			c[d] = (int)o;
			if (tttd_task_feasible(task, c, d + 1))
				ok[n++] = (int)o;
		}
		if (n == 0) {
			free(ok);
			return 0;
		}
		c[d] = ok[tttd_rng_below(rng, n)];
	}
	free(ok);
	return 1;
}

/*
 * One child of member m: crossover with a random mate, then mutation, until
 * feasible and different from m (64 tries; then a copy of m, which the
 * caller counts).  @return 1 when a new child was made.
 */
static int
make_child(const struct member *pop, size_t npop, size_t m, struct tttd_rng *rng, int *child)
{
	const struct member *p = &pop[m];
	double rate = opt.rate >= 0 ? opt.rate : 1.0 / (double)task->ndec;
	int tries;
	size_t d;

	if (!p->complete) {
		for (tries = 0; tries < 64; tries++)
			if (draw_uniform(child, rng))
				return 1;
		die("task '%s': no feasible choice found in 64 draws", task->name);
	}
	for (tries = 0; tries < 64; tries++) {
		int changed = 0;

		memcpy(child, p->choice, task->ndec * sizeof(int));
		if (npop > 1 && tttd_rng_uniform(rng) < opt.crossover) {
			size_t q = tttd_rng_below(rng, npop - 1);

			if (q >= m)
				q++;
			if (pop[q].complete)
				for (d = 0; d < task->ndec; d++)
					if (tttd_rng_below(rng, 2))
						child[d] = pop[q].choice[d];
		}
		for (d = 0; d < task->ndec; d++)
			if (task->dec[d].nopt > 1 && tttd_rng_uniform(rng) < rate)
				child[d] = (int)tttd_rng_below(rng, task->dec[d].nopt);
		for (d = 0; d < task->ndec; d++)
			changed |= child[d] != p->choice[d];
		if (!changed) {
			/* always move: redraw one decision to another of its options */
			d = tttd_rng_below(rng, task->ndec);
			if (task->dec[d].nopt > 1)
				child[d] = (int)((child[d] + 1 + tttd_rng_below(rng, task->dec[d].nopt - 1)) %
						 task->dec[d].nopt);
			changed = child[d] != p->choice[d];
		}
		if (changed && tttd_task_feasible(task, child, task->ndec))
			return 1;
	}
	memcpy(child, p->choice, task->ndec * sizeof(int));
	return 0;
}

static void
emit(struct tttd_writer *w, const struct member *pop, size_t npop, long step)
{
	struct tttd_error e = { 0 };
	int *child = xmalloc((task->ndec + 1) * sizeof(int));
	int *prev = xmalloc(((size_t)opt.children * task->ndec + 1) * sizeof(int));
	unsigned long copies = 0;
	struct tttd_rec out;
	size_t m;
	long k;

	tttd_rec_init(&out);
	for (m = 0; m < npop; m++) {
		long s = pop[m].is_parent && opt.step < 0 ? pop[m].step : step;
		char *group = xasprintf("%ld/%s", s, pop[m].id);
		struct tttd_rng rng;

		tttd_rng_seed2(&rng, opt.seed, tttd_mix64((uint64_t)s, (uint64_t)m));
		for (k = 0; k < opt.children; k++) {
			int made, draw = 0;

			do
				made = make_child(pop, npop, m, &rng, child);
			while (!opt.repeats && ++draw < TTTD_MAX_REDRAWS &&
			       tttd_task_choice_in(task, child, prev, (size_t)k));
			if (!made)
				copies++;
			memcpy(prev + (size_t)k * task->ndec, child, task->ndec * sizeof(int));
			tttd_task_candidate_rec(task, child, s, pop[m].id, group, pop[m].pdec,
						pop[m].pdec_len, &out);
			tttd_rec_set_str(&out, "policy", "ga");
			tttd_rec_stamp_seed(&out, "tttd-mutate", opt.seed);
			tttd_rec_set_str(&out, "status", "generated");
			if (tttd_writer_write(w, &out, &e) < 0)
				die_err(&e);
		}
		free(group);
	}
	if (copies)
		note(1, "%lu children are copies of their parent (no feasible move found)", copies);
	tttd_rec_release(&out);
	free(child);
	free(prev);
}

/*
 * Add record r, whose view is v, to the population (loading the task on the
 * first one); the member takes v's id.
 */
static void
add_member(struct member **pop, size_t *npop, const struct tttd_rec *r, struct tttd_cand *v,
	   const char *in, uint64_t index)
{
	struct tttd_error e = { 0 };
	const struct tttd_field *f;
	struct member *m;
	size_t d;

	if (!task) {
		if (!opt.task && !v->task)
			die("%s: record %llu: no 'task' (use --task)", in, (unsigned long long)index);
		if (tttd_task_load(&task, opt.task ? opt.task : v->task, &e) < 0)
			die_err(&e);
	}
	*pop = xrealloc(*pop, (*npop + 1) * sizeof(**pop));
	m = &(*pop)[(*npop)++];
	memset(m, 0, sizeof(*m));
	if (!v->id)
		die("%s: record %llu: no 'id'", in, (unsigned long long)index);
	if (v->bad & TTTD_CAND_STEP || v->step < 0)
		die("%s: record %llu: bad 'step'", in, (unsigned long long)index);
	m->id = v->id;
	v->id = NULL; /* the member owns it */
	m->step = (long)v->step;
	m->is_parent = v->parent_kind;
	m->choice = xmalloc((task->ndec + 1) * sizeof(int));
	if (tttd_task_choice_from_rec(task, r, "decisions", m->choice, &e) < 0)
		die("%s: record %llu: %s", in, (unsigned long long)index, e.msg);
	m->complete = 1;
	for (d = 0; d < task->ndec; d++)
		if (m->choice[d] < 0)
			m->complete = 0;
	f = tttd_rec_find(r, "decisions");
	if (f) {
		m->pdec = xmalloc(f->vlen + 1);
		memcpy(m->pdec, f->val, f->vlen);
		m->pdec_len = f->vlen;
	}
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_writer *w = NULL;
	struct member *pop = NULL;
	size_t npop = 0, i;
	uint64_t skipped = 0;
	long step = 0;
	struct tttd_rec r;
	int c, nin, f;
	char *const stdin_only[] = { "-" };
	char *const *inputs;

	diag_init("tttd-mutate", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &opt.com)) != -1) {
		switch (c) {
		case OPT_CHILDREN:
			opt.children = opt_long(optarg, "--children", 1, 1000000);
			break;
		case OPT_CROSSOVER:
			opt.crossover = opt_double(optarg, "--crossover", 0, 1);
			break;
		case OPT_RATE:
			opt.rate = opt_double(optarg, "--rate", 0, 1);
			break;
		case OPT_REPEATS:
			opt.repeats = 1;
			break;
		case OPT_SEED:
			opt.seed = (uint64_t)opt_long(optarg, "--seed", 0, INT64_MAX);
			break;
		case OPT_STEP:
			opt.step = opt_long(optarg, "--step", 0, INT32_MAX);
			break;
		case OPT_TASK:
			opt.task = optarg;
			break;
		}
	}
	if (opt.task && tttd_task_load(&task, opt.task, &e) < 0)
		die_err(&e);
	nin = argc - optind;
	inputs = nin ? argv + optind : stdin_only;
	if (!nin)
		nin = 1;
	tttd_rec_init(&r);
	for (f = 0; f < nin; f++) {
		struct tttd_reader *rd;
		const char *in = strcmp(inputs[f], "-") ? inputs[f] : "(stdin)";

		if (tttd_reader_open(&rd, inputs[f], opt.com.force, &e) < 0)
			die_err(&e);
		for (;;) {
			uint64_t index = tttd_reader_count(rd);
			struct tttd_cand v;

			c = tttd_reader_next(rd, &r, &e);
			if (c < 0)
				die_err(&e);
			if (c == 0)
				break;
			tttd_cand_read(&v, &r);
			if (v.candidate || v.parent_kind)
				add_member(&pop, &npop, &r, &v, in, index);
			else
				skipped++;
			tttd_cand_release(&v);
		}
		tttd_reader_free(rd);
	}
	tttd_rec_release(&r);
	if (skipped)
		note(2, "skipped %llu records that are neither candidates nor parents",
		     (unsigned long long)skipped);
	/* Children of candidates belong to the step after the newest member. */
	for (i = 0; i < npop; i++)
		if (pop[i].step + 1 > step)
			step = pop[i].step + 1;
	if (opt.step >= 0)
		step = opt.step;
	if (tttd_writer_open(&w, opt.com.output, opt.com.wflags, &e) < 0)
		die_err(&e);
	if (npop)
		emit(w, pop, npop, step);
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	note(1, "%llu candidates from %zu members", (unsigned long long)(npop * (size_t)opt.children),
	     npop);
	for (i = 0; i < npop; i++) {
		free(pop[i].id);
		free(pop[i].choice);
		free(pop[i].pdec);
	}
	free(pop);
	tttd_task_free(task);
	close_stdout();
	return 0;
}
