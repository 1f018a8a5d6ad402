/*
 * tttd-train - one training step of the policy on a batch of scored
 * candidates: read records, keep those with an "advantage" (tttd-score
 * leaves it out for dropped groups), load the checkpoint (or start from the
 * initial policy on a run's first step), take ONE optimizer step on the
 * whole batch as the paper does, write the new checkpoint atomically, and
 * write one summary record of kind "train".
 *
 * A candidate carries its parent's decisions ("parent_decisions", written
 * by tttd-generate), so no archive lookup is needed.  It does not compute
 * advantages (tttd-score does) and does not pass candidates through: its
 * stdout is the summary only.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "entropic.h" /* defines: TTTD_ADVANTAGE_MAX */
#include "lm_train.h"
#include "opt.h"
#include "policy.h"
#include "rec.h"
#include "schema.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "target.h" /* defines: tttd_target_find, TTTD_TARGET_DEFAULT */
#include "task.h"
#include "tttd.h"

#define SYNOPSIS                                                                                 \
	"tttd-train [-fhqvVz] [-o file] [--backend name] [--init-from file] [--kl x] [--lr x]\n" \
	"                  [--policy file] [--policy-kind kind] [--save file] [--seed n]\n"      \
	"                  [--task name] [--lm-trainer url [lm options]] [file ...]"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Take one policy-gradient step on scored candidates and save the checkpoint.\n"
	      "\n"
	      "  -f, --force          read or write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write the summary to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -v, --verbose        print more detail on stderr\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --backend=NAME   run the network on cpu (default) or cuda (cuBLAS)\n"
	      "      --init-from=FILE warm-start a new initial policy from another run's\n"
	      "                       mlp checkpoint (all weights for the same decision\n"
	      "                       space, else the hidden layers whose shapes match)\n"
	      "      --kl=X           KL penalty to the initial policy (default 0.1)\n"
	      "      --lr=X           Adam learning rate (default 0.01 for mlp, 0.1 for table)\n"
	      "      --policy=FILE    start from checkpoint FILE (the initial policy if\n"
	      "                       FILE does not exist)\n"
	      "      --policy-kind=K  the initial policy: mlp (default) or table\n"
	      "      --save=FILE      write the new checkpoint to FILE (default: --policy)\n"
	      "      --seed=N         seed recorded in a new initial policy (default 0)\n"
	      "      --task=NAME      task folder or name (default: the candidates' task)\n"
	      "\n"
	      "A language model (docs/lm.md): the step is sent to its training service;\n"
	      "--policy and --save are its checkpoints (the adapter's name).\n"
	      "  --lm-trainer=URL     the training service's base URL\n"
	      "  --lm-publish=URL     also load the new adapter into this sampler (vLLM's\n"
	      "                       /v1/load_lora_adapter)\n"
	      "  --lm-model=NAME      the base model's name, recorded (default 'default')\n"
	      "  --lm-prefix=NAME     adapter names start with NAME- (default 'tttd')\n"
	      "  --lm-beta1=X         Adam beta1 (default 0.9)\n"
	      "  --lm-beta2=X         Adam beta2 (default 0.95)\n"
	      "  --lm-eps=X           Adam epsilon (default 1e-8)\n"
	      "  --lm-chunk=N         sequences per request (default 8)\n"
	      "  --lm-timeout=S       seconds per request attempt (default 600)\n"
	      "  --lm-retries=N       retries of a failed request (default 2)\n"
	      "  --lm-key-file=FILE   send the first line of FILE as a bearer token\n"
	      "With --lm-trainer, --lr defaults to 4e-5 and --kl to 0.1 (the paper's).\n",
	      f);
}

enum { OPT_BACKEND = 256,
       OPT_INIT_FROM,
       OPT_KL,
       OPT_LR,
       OPT_POLICY,
       OPT_POLICY_KIND,
       OPT_SAVE,
       OPT_SEED,
       OPT_TASK,
       OPT_LM_TRAINER,
       OPT_LM_PUBLISH,
       OPT_LM_MODEL,
       OPT_LM_PREFIX,
       OPT_LM_BETA1,
       OPT_LM_BETA2,
       OPT_LM_EPS,
       OPT_LM_CHUNK,
       OPT_LM_TIMEOUT,
       OPT_LM_RETRIES,
       OPT_LM_KEY_FILE };

static const struct option longopts[] = {
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "init-from", required_argument, NULL, OPT_INIT_FROM },
	{ "kl", required_argument, NULL, OPT_KL },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "policy-kind", required_argument, NULL, OPT_POLICY_KIND },
	{ "save", required_argument, NULL, OPT_SAVE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "lm-trainer", required_argument, NULL, OPT_LM_TRAINER },
	{ "lm-publish", required_argument, NULL, OPT_LM_PUBLISH },
	{ "lm-model", required_argument, NULL, OPT_LM_MODEL },
	{ "lm-prefix", required_argument, NULL, OPT_LM_PREFIX },
	{ "lm-beta1", required_argument, NULL, OPT_LM_BETA1 },
	{ "lm-beta2", required_argument, NULL, OPT_LM_BETA2 },
	{ "lm-eps", required_argument, NULL, OPT_LM_EPS },
	{ "lm-chunk", required_argument, NULL, OPT_LM_CHUNK },
	{ "lm-timeout", required_argument, NULL, OPT_LM_TIMEOUT },
	{ "lm-retries", required_argument, NULL, OPT_LM_RETRIES },
	{ "lm-key-file", required_argument, NULL, OPT_LM_KEY_FILE },
	{ NULL, 0, NULL, 0 },
};
static const struct tool_opts topts = {
	.usage = usage,
	.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_VERBOSE | TOOL_ZSTD,
	.shortopts = "",
	.longopts = longopts,
};

static struct {
	struct tool_common com; /* -f, -o, -z */
	struct tttd_policy_train_opts train;
	const char *backend;
	int lr_set;
	const char *init_from;
	enum tttd_policy_kind kind;
	const char *policy;
	const char *save;
	uint64_t seed;
	const char *task;
	/* a language model's training service */
	struct tttd_lm_train_opts lm;
	const char *lm_model, *lm_prefix, *lm_key_file;
	int kl_set;
} opt = { .backend = TTTD_TARGET_DEFAULT, .kind = TTTD_POLICY_MLP };

static struct tttd_task *task;
static char *task_key; /* the name or path the task was loaded by */

/* The batch: choices are owned here, examples point into them. */
static struct tttd_policy_example *ex;
static size_t nex, capex;
static int64_t step = -1;

static void
load_task(const char *name)
{
	struct tttd_error e = { 0 };

	if (tttd_task_load(&task, name, &e) < 0)
		die_err(&e);
	task_key = xstrdup(name);
}

/* A record's "task" names the loaded task by its name or by the path it was loaded from. */
static int
same_task(const char *tn, size_t tl)
{
	return (tl == strlen(task->name) && memcmp(tn, task->name, tl) == 0) ||
	       (tl == strlen(task_key) && memcmp(tn, task_key, tl) == 0);
}

/* Decisions map of key in r onto a new choice (-1 where absent). */
static int *
choice_of(const struct tttd_rec *r, const char *key, const char *in, uint64_t index)
{
	struct tttd_error e = { 0 };
	int *c = xmalloc((task->ndec + 1) * sizeof(int));
	int rc = tttd_task_choice_from_rec(task, r, key, c, &e);

	if (rc == 0)
		die("%s: record %llu: candidate has no '%s'", in, (unsigned long long)index, key);
	if (rc < 0)
		die("%s: record %llu: %s", in, (unsigned long long)index, e.msg);
	return c;
}

static void
take(const struct tttd_rec *r, const char *in, uint64_t index)
{
	const char *tn;
	size_t tl;
	int64_t s;
	double adv;

	if (tttd_rec_get_double(r, "advantage", &adv) != 1)
		die("%s: record %llu: 'advantage' is not a number", in, (unsigned long long)index);
	if (!isfinite(adv) || fabs(adv) > TTTD_ADVANTAGE_MAX)
		die("%s: record %llu: 'advantage' %g is out of range (finite, at most %g in magnitude)",
		    in, (unsigned long long)index, adv, TTTD_ADVANTAGE_MAX);
	if (!task) {
		char *name = NULL;

		if (tttd_rec_get_str(r, "task", &name) != 1)
			die("%s: record %llu: candidate has no 'task' (use --task)", in,
			    (unsigned long long)index);
		load_task(name);
		free(name);
	}
	if (tttd_rec_get_strn(r, "task", &tn, &tl) == 1 && !same_task(tn, tl))
		die("%s: record %llu: candidate of task '%.*s' in a batch of task '%s'", in,
		    (unsigned long long)index, (int)tl, tn, task->name);
	if (tttd_rec_get_int(r, "step", &s) == 1 && s > step)
		step = s;
	if (nex == capex)
		XGROW(ex, capex, nex + 1);
	ex[nex].child = choice_of(r, "decisions", in, index);
	ex[nex].parent = choice_of(r, "parent_decisions", in, index);
	ex[nex].advantage = adv;
	nex++;
}

static void
read_inputs(char *const *inputs, int nin)
{
	struct tttd_error e = { 0 };
	struct tttd_rec r;
	uint64_t skipped = 0;
	int i, c;

	tttd_rec_init(&r);
	for (i = 0; i < nin; i++) {
		struct tttd_reader *rd;
		const char *in = strcmp(inputs[i], "-") ? inputs[i] : "(stdin)";

		if (tttd_reader_open(&rd, inputs[i], opt.com.force, &e) < 0)
			die_err(&e);
		for (;;) {
			uint64_t index = tttd_reader_count(rd);

			c = tttd_reader_next(rd, &r, &e);
			if (c < 0)
				die_err(&e);
			if (c == 0)
				break;
			/* dropped groups and other kinds carry no advantage */
			if (!tttd_rec_has(&r, "advantage") ||
			    (tttd_rec_has(&r, "kind") && !tttd_rec_str_is(&r, "kind", "candidate"))) {
				skipped++;
				continue;
			}
			take(&r, in, index);
		}
		tttd_reader_free(rd);
	}
	tttd_rec_release(&r);
	note(2, "%zu candidates to train on, %llu records skipped", nex,
	     (unsigned long long)skipped);
}

static struct tttd_policy *
open_policy(void)
{
	struct tttd_error e = { 0 };
	struct tttd_policy *p = NULL;

	if (opt.policy) {
		int rc = tttd_policy_load(&p, opt.policy, task, &e);

		if (rc == TTTD_OK) {
			if (opt.init_from)
				note(2, "'%s' exists: --init-from ignored", opt.policy);
			if (tttd_policy_kind(p) == TTTD_POLICY_UNIFORM)
				die("'%s': the uniform policy cannot be trained", opt.policy);
			return p;
		}
		if (rc != TTTD_ENOENT)
			die_err(&e);
		note(2, "'%s' does not exist: starting from the initial policy", opt.policy);
	}
	/* the seed draws the MLP's trunk: tttd-generate uses the same */
	tttd_policy_new(&p, task, opt.kind, opt.seed, &e);
	if (opt.init_from) {
		size_t n = 0;

		if (tttd_policy_init_from(p, opt.init_from, &n, &e) < 0)
			die_err(&e);
		note(2, "warm start from '%s': %zu parameters copied", opt.init_from, n);
	}
	return p;
}

/* ---- a language model's step (--lm-trainer) ---- */

/* A record's int array under key (newly allocated), or NULL when absent or not one. */
static int64_t *
get_ints(const struct tttd_rec *r, const char *key, size_t *n)
{
	double *d = NULL;
	int64_t *v;
	size_t i;

	*n = 0;
	if (tttd_rec_get_doubles(r, key, &d, n) != 1)
		return NULL;
	v = xmalloc((*n + 1) * sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = (int64_t)d[i];
	free(d);
	return v;
}

static int
lm_main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_lm_example *lx = NULL;
	struct tttd_lm_train_result res;
	struct tttd_writer *w = NULL;
	struct tttd_rec r;
	size_t nlx = 0, caplx = 0, skipped = 0, notokens = 0, i;
	char *start = NULL, *key = NULL;
	char *const stdin_only[] = { "-" };
	char *const *inputs;
	double madv = 0;
	int c, k, nin;

	if (!opt.lr_set)
		opt.train.lr = 4e-5;
	if (!opt.kl_set)
		opt.train.kl = 0.1;
	opt.lm.lr = opt.train.lr;
	opt.lm.kl = opt.train.kl;
	if (opt.lm_key_file) {
		if (tttd_read_file(opt.lm_key_file, &key, NULL) < 0)
			die("cannot read --lm-key-file '%s':", opt.lm_key_file);
		key[strcspn(key, "\r\n")] = '\0';
		opt.lm.http.api_key = key;
	}
	if (opt.policy && tttd_lm_ckpt_read(opt.policy, &start, &e) < 0 && e.code != TTTD_ENOENT)
		die_err(&e);

	nin = argc - optind;
	inputs = nin ? argv + optind : stdin_only;
	if (!nin)
		nin = 1;
	tttd_rec_init(&r);
	for (k = 0; k < nin; k++) {
		struct tttd_reader *rd;

		if (tttd_reader_open(&rd, inputs[k], opt.com.force, &e) < 0)
			die_err(&e);
		while ((c = tttd_reader_next(rd, &r, &e)) > 0) {
			struct tttd_lm_example *x;
			double *lp = NULL;
			size_t nlp = 0;
			int64_t s;

			if (!tttd_rec_has(&r, "advantage") ||
			    (tttd_rec_has(&r, "kind") && !tttd_rec_str_is(&r, "kind", "candidate"))) {
				skipped++;
				continue;
			}
			if (tttd_rec_get_int(&r, "step", &s) == 1 && s > step)
				step = s;
			XGROW(lx, caplx, nlx + 1);
			x = &lx[nlx];
			memset(x, 0, sizeof(*x));
			if (tttd_rec_get_double(&r, "advantage", &x->advantage) != 1 ||
			    !isfinite(x->advantage) || fabs(x->advantage) > TTTD_ADVANTAGE_MAX)
				die("%s: record %llu: 'advantage' is not a finite number of at most %g "
				    "in magnitude",
				    inputs[k],
				    (unsigned long long)(tttd_reader_count(rd) - 1), TTTD_ADVANTAGE_MAX);
			x->prompt = get_ints(&r, "prompt_tokens", &x->nprompt);
			x->tokens = get_ints(&r, "completion_tokens", &x->ntokens);
			if (tttd_rec_get_doubles(&r, "token_logprobs", &lp, &nlp) == 1)
				x->logprobs = lp;
			if (!x->prompt || !x->tokens || !x->logprobs || nlp != x->ntokens ||
			    x->ntokens == 0) {
				/* a server that gave no token ids: nothing to train on */
				free((void *)x->prompt);
				free((void *)x->tokens);
				free(lp);
				notokens++;
				continue;
			}
			tttd_rec_get_str(&r, "id", (char **)&x->id);
			x->token_adv = xmalloc((x->ntokens + 1) * sizeof(double));
			madv += x->advantage;
			nlx++;
		}
		if (c < 0)
			die_err(&e);
		tttd_reader_free(rd);
	}
	if (notokens)
		warn("%zu candidates with an advantage carry no token ids (the sampler gave none): not trained on",
		     notokens);
	note(2, "%zu completions to train on, %zu records skipped", nlx, skipped);

	memset(&res, 0, sizeof(res));
	if (nlx) {
		if (tttd_lm_train_step(&opt.lm, opt.lm_prefix, start, lx, nlx, &res, &e) < 0)
			die_err(&e);
		if (tttd_lm_ckpt_write(opt.save, res.adapter, start, opt.lm_model,
				       step < 0 ? 0 : step, &e) < 0)
			die_err(&e);
	} else {
		/* nothing to learn from: the next step samples from the same adapter */
		if (start)
			snprintf(res.adapter, sizeof(res.adapter), "%s", start);
		if (start && tttd_lm_ckpt_write(opt.save, start, start, opt.lm_model,
						step < 0 ? 0 : step, &e) < 0)
			die_err(&e);
		if (!start) {
			FILE *f = fopen(opt.save, "wb"); /* empty: still the base model */

			if (!f || fclose(f) != 0)
				die("cannot write '%s':", opt.save);
		}
	}

	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_clear(&r);
	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(&r, "kind", "train");
	tttd_rec_set_int(&r, "step", step < 0 ? 0 : step);
	tttd_rec_set_double(&r, "loss", res.loss);
	tttd_rec_set_double(&r, "mean_advantage", nlx ? madv / (double)nlx : 0);
	tttd_rec_set_double(&r, "kl", res.kl);
	tttd_rec_set_int(&r, "trained", (int64_t)nlx);
	tttd_rec_set_int(&r, "tokens", (int64_t)res.tokens);
	tttd_rec_set_str(&r, "checkpoint", opt.save);
	tttd_rec_set_str(&r, "adapter", res.adapter[0] ? res.adapter : "base");
	tttd_rec_set_bool(&r, "reused", res.reused);
	tttd_rec_stamp_seed(&r, "tttd-train", opt.seed);
	if (tttd_writer_open(&w, opt.com.output, opt.com.wflags, &e) < 0 || tttd_writer_write(w, &r, &e) < 0)
		die_err(&e);
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	note(1, "step %lld: trained on %zu completions (%zu tokens), adapter %s%s",
	     (long long)(step < 0 ? 0 : step), nlx, res.tokens, res.adapter[0] ? res.adapter : "base",
	     res.reused ? " (the service had it already)" : "");
	for (i = 0; i < nlx; i++) {
		free((void *)lx[i].id);
		free((void *)lx[i].prompt);
		free((void *)lx[i].tokens);
		free((void *)lx[i].logprobs);
		free(lx[i].token_adv);
	}
	free(lx);
	free(start);
	free(key);
	tttd_rec_release(&r);
	close_stdout();
	return 0;
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_writer *w = NULL;
	struct tttd_policy *pol = NULL;
	struct tttd_policy_stats st = { 0 };
	struct tttd_rec r;
	int c, nin;
	size_t i;
	char *const stdin_only[] = { "-" };

	diag_init("tttd-train", SYNOPSIS);
	tttd_policy_train_opts_default(&opt.train);
	tttd_lm_train_opts_default(&opt.lm);
	while ((c = tool_getopt(&topts, argc, argv, &opt.com)) != -1) {
		switch (c) {
		case OPT_BACKEND:
			if (!tttd_target_find(optarg) ||
			    !(tttd_target_find(optarg)->flags & (TTTD_TARGET_HOST | TTTD_TARGET_DEVICE)))
				usage_die("--backend: '%s' is not cpu or cuda", optarg);
			opt.backend = optarg;
			break;
		case OPT_INIT_FROM:
			opt.init_from = optarg;
			break;
		case OPT_KL:
			opt.train.kl = opt_double(optarg, "--kl", 0, 1e6);
			opt.kl_set = 1;
			break;
		case OPT_LR:
			opt.train.lr = opt_double(optarg, "--lr", 1e-12, 100);
			opt.lr_set = 1;
			break;
		case OPT_POLICY:
			opt.policy = optarg;
			break;
		case OPT_POLICY_KIND:
			if (tttd_policy_kind_parse(optarg, &opt.kind) < 0 ||
			    opt.kind == TTTD_POLICY_UNIFORM)
				usage_die("--policy-kind: '%s' is not mlp or table", optarg);
			break;
		case OPT_SAVE:
			opt.save = optarg;
			break;
		case OPT_SEED:
			opt.seed = (uint64_t)opt_long(optarg, "--seed", 0, INT64_MAX);
			break;
		case OPT_TASK:
			opt.task = optarg;
			break;
		case OPT_LM_TRAINER:
			opt.lm.url = optarg;
			break;
		case OPT_LM_PUBLISH:
			opt.lm.publish = optarg;
			break;
		case OPT_LM_MODEL:
			opt.lm_model = optarg;
			break;
		case OPT_LM_PREFIX:
			opt.lm_prefix = optarg;
			break;
		case OPT_LM_BETA1:
			opt.lm.beta1 = opt_double(optarg, "--lm-beta1", 0, 0.999999);
			break;
		case OPT_LM_BETA2:
			opt.lm.beta2 = opt_double(optarg, "--lm-beta2", 0, 0.999999999);
			break;
		case OPT_LM_EPS:
			opt.lm.eps = opt_double(optarg, "--lm-eps", 1e-30, 1);
			break;
		case OPT_LM_CHUNK:
			opt.lm.chunk = (size_t)opt_long(optarg, "--lm-chunk", 1, 1000000);
			break;
		case OPT_LM_TIMEOUT:
			opt.lm.http.timeout_s = opt_double(optarg, "--lm-timeout", 0.001, 1e6);
			break;
		case OPT_LM_RETRIES:
			opt.lm.http.retries = (int)opt_long(optarg, "--lm-retries", 0, 100);
			break;
		case OPT_LM_KEY_FILE:
			opt.lm_key_file = optarg;
			break;
		}
	}
	if (!opt.save)
		opt.save = opt.policy;
	if (!opt.save)
		usage_die("--save or --policy is required");
	if (opt.lm.url) {
		if (opt.init_from)
			usage_die("--init-from is for the mlp policy: not with --lm-trainer");
		return lm_main(argc, argv);
	}
	if (opt.lm.publish)
		usage_die("--lm-publish needs --lm-trainer");
	if (opt.task)
		load_task(opt.task);

	nin = argc - optind;
	read_inputs(nin ? argv + optind : stdin_only, nin ? nin : 1);

	tttd_rec_init(&r);
	if (task) {
		pol = open_policy();
		if (tttd_policy_set_backend(pol, opt.backend, &e) < 0)
			die_err(&e);
		if (!opt.lr_set)
			opt.train.lr = tttd_policy_default_lr(tttd_policy_kind(pol));
		if (tttd_policy_update(pol, ex, nex, &opt.train, &st, &e) < 0)
			die_err(&e);
		if (tttd_policy_save(pol, opt.save, &e) < 0)
			die_err(&e);
	} else {
		/* an empty batch names no task: there is nothing to load or save */
		warn("no candidate to train on and no --task: '%s' not written", opt.save);
	}

	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(&r, "kind", "train");
	if (task)
		tttd_rec_set_str(&r, "task", task->name);
	tttd_rec_set_int(&r, "step", step < 0 ? 0 : step);
	tttd_rec_set_double(&r, "loss", st.loss);
	tttd_rec_set_double(&r, "mean_advantage", st.mean_advantage);
	tttd_rec_set_double(&r, "entropy", st.entropy);
	tttd_rec_set_double(&r, "kl", st.kl);
	tttd_rec_set_int(&r, "trained", (int64_t)st.trained);
	if (task)
		tttd_rec_set_str(&r, "checkpoint", opt.save);
	tttd_rec_stamp_seed(&r, "tttd-train", opt.seed);
	if (tttd_writer_open(&w, opt.com.output, opt.com.wflags, &e) < 0 || tttd_writer_write(w, &r, &e) < 0)
		die_err(&e);
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	note(1, "step %lld: trained on %zu, loss %.4g, entropy %.3f, kl %.4f",
	     (long long)(step < 0 ? 0 : step), st.trained, st.loss, st.entropy, st.kl);

	for (i = 0; i < nex; i++) {
		free((void *)ex[i].child);
		free((void *)ex[i].parent);
	}
	free(ex);
	tttd_rec_release(&r);
	tttd_policy_free(pol);
	tttd_task_free(task);
	free(task_key);
	close_stdout();
	return 0;
}
