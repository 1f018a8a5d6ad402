/*
 * tttd-generate - read parent records (from tttd-select) and write k
 * candidate children per parent, sampled from the policy: decisions,
 * rendered source and compile flags, the log-probability of the sample and
 * the id of the policy that drew it.
 *
 * Output is a pure function of the inputs, the checkpoint and --seed: the
 * rng of the parent with rank r in step s is seeded from
 * mix(seed, mix(s, r)), so a step regenerated after a crash yields the same
 * candidate ids.  It does not compile, run or score anything.
 *
 * Repeats: a child identical to its parent or to an earlier child of the
 * same parent is drawn again (at most TTTD_MAX_REDRAWS draws, then the last is
 * kept).  In a small discrete space the policy proposes such repeats often
 * (the initial mutation prior copies the whole parent with probability
 * about 0.18, a trained policy far more often), and each costs an
 * evaluation that teaches nothing: on the synthetic model task 45% of a
 * 512-evaluation run were repeats (docs/policy.md).  A child is then a
 * sample of the policy conditioned on being new to its group, as a
 * language model's samples almost always are in the paper.  Repeats of
 * older archive states are not redrawn: measured, that made it worse
 * (docs/policy.md).  --repeats keeps every first draw.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "diag.h"
#include "hash.h"
#include "lm.h"
#include "lm_train.h" /* defines: tttd_lm_ckpt_read */
#include "opt.h"
#include "policy.h"
#include "rec.h"
#include "schema.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "target.h" /* defines: tttd_target_of */
#include "rng.h"
#include "task.h"
#include "tttd.h"

#define SYNOPSIS                                                                                \
	"tttd-generate [-fhqvVz] [-o file] [--children k] [--init-from file] [--policy file]\n" \
	"                     [--policy-kind kind] [--repeats] [--seed n] [--task name]\n"      \
	"                     [--uniform] [--lm url [lm options]] [file ...]"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Sample candidate children of each parent record from the policy.\n"
	      "\n"
	      "  -f, --force          read or write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -v, --verbose        print one line per parent on stderr\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --children=K     children per parent (default 8)\n"
	      "      --init-from=FILE warm-start the initial policy from another run's\n"
	      "                       mlp checkpoint (as tttd-train --init-from)\n"
	      "      --policy=FILE    sample from the checkpoint FILE (default: the\n"
	      "                       initial policy)\n"
	      "      --policy-kind=K  the initial policy: mlp (default) or table\n"
	      "      --repeats        keep a child equal to its parent or to an earlier\n"
	      "                       child of the same parent (default: draw again)\n"
	      "      --seed=N         random seed (default 0)\n"
	      "      --task=NAME      task folder or name (default: each parent's task)\n"
	      "      --uniform        sample uniformly among feasible choices (random\n"
	      "                       search, no learning)\n"
	      "\n"
	      "A language model as the generator (docs/lm.md): each parent's prompt is sent\n"
	      "to an OpenAI-compatible completions server, --children completions each.\n"
	      "  --lm=URL             the server's base URL (http://host:port)\n"
	      "  --lm-model=NAME      the base model's name on the server (default 'default')\n"
	      "  --lm-adapter=NAME    sample from this adapter (default: the one --policy\n"
	      "                       names, else the base model)\n"
	      "  --lm-max-tokens=N    tokens per completion (default 2048)\n"
	      "  --lm-temperature=X   sampling temperature (default 1)\n"
	      "  --lm-top-p=X         nucleus sampling (default 1)\n"
	      "  --lm-timeout=S       seconds per request attempt (default 600)\n"
	      "  --lm-retries=N       retries of a failed request (default 2)\n"
	      "  --lm-jobs=N          requests in flight at once (default 8)\n"
	      "  --lm-split           one request per completion (servers without 'n')\n"
	      "  --lm-key-file=FILE   send the first line of FILE as a bearer token\n"
	      "  --lm-wrap=FILE       a chat template holding {{PROMPT}}, wrapped around the\n"
	      "                       prompt\n"
	      "  --lm-no-prefill      let the model open the code block itself (reasoning\n"
	      "                       models); default: the prompt opens it\n"
	      "  --hardware=TEXT      the target hardware, as the prompt names it\n"
	      "  --target-us=X        the time to aim for (default: the task's lm_target)\n"
	      "  --prompts            write each parent's prompt (a 'prompt' record) and ask\n"
	      "                       no server\n",
	      f);
}

/* clang-format off */
enum { OPT_CHILDREN = 256, OPT_INIT_FROM, OPT_POLICY, OPT_POLICY_KIND, OPT_REPEATS,
       OPT_SEED, OPT_TASK, OPT_UNIFORM, OPT_LM, OPT_LM_MODEL, OPT_LM_ADAPTER, OPT_LM_MAX_TOKENS,
       OPT_LM_TEMPERATURE, OPT_LM_TOP_P, OPT_LM_TIMEOUT, OPT_LM_RETRIES, OPT_LM_JOBS, OPT_LM_SPLIT,
       OPT_LM_KEY_FILE, OPT_LM_WRAP, OPT_LM_NO_PREFILL, OPT_HARDWARE, OPT_TARGET_US, OPT_PROMPTS };
/* clang-format on */

static const struct option longopts[] = {
	{ "children", required_argument, NULL, OPT_CHILDREN },
	{ "init-from", required_argument, NULL, OPT_INIT_FROM },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "policy-kind", required_argument, NULL, OPT_POLICY_KIND },
	{ "repeats", no_argument, NULL, OPT_REPEATS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "uniform", no_argument, NULL, OPT_UNIFORM },
	{ "lm", required_argument, NULL, OPT_LM },
	{ "lm-model", required_argument, NULL, OPT_LM_MODEL },
	{ "lm-adapter", required_argument, NULL, OPT_LM_ADAPTER },
	{ "lm-max-tokens", required_argument, NULL, OPT_LM_MAX_TOKENS },
	{ "lm-temperature", required_argument, NULL, OPT_LM_TEMPERATURE },
	{ "lm-top-p", required_argument, NULL, OPT_LM_TOP_P },
	{ "lm-timeout", required_argument, NULL, OPT_LM_TIMEOUT },
	{ "lm-retries", required_argument, NULL, OPT_LM_RETRIES },
	{ "lm-jobs", required_argument, NULL, OPT_LM_JOBS },
	{ "lm-split", no_argument, NULL, OPT_LM_SPLIT },
	{ "lm-key-file", required_argument, NULL, OPT_LM_KEY_FILE },
	{ "lm-wrap", required_argument, NULL, OPT_LM_WRAP },
	{ "lm-no-prefill", no_argument, NULL, OPT_LM_NO_PREFILL },
	{ "hardware", required_argument, NULL, OPT_HARDWARE },
	{ "target-us", required_argument, NULL, OPT_TARGET_US },
	{ "prompts", no_argument, NULL, OPT_PROMPTS },
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
	long children;
	int repeats;
	const char *init_from;
	const char *policy;
	enum tttd_policy_kind kind;
	uint64_t seed;
	const char *task;
	int uniform;
	/* the language-model generator */
	const char *lm, *lm_model, *lm_adapter, *lm_key_file, *lm_wrap, *hardware;
	struct tttd_lm_opts lmo;
	int lm_split, lm_no_prefill, prompts;
	double target_us;
} opt = { .children = 8, .kind = TTTD_POLICY_MLP };

/* The task and policy in use; reloaded only when a parent names another task. */
static struct tttd_task *task;
static char *task_key;
static struct tttd_policy *policy;

/*
 * Is child a repeat: the parent (when fully known) or one of the k earlier
 * children prev[0..k) (ndec entries each)?
 */
static int
is_repeat(const int *child, const int *parent, const int *prev, long k)
{
	return tttd_task_choice_in(task, child, parent, 1) ||
	       tttd_task_choice_in(task, child, prev, (size_t)k);
}

static void
use_task(const char *name)
{
	struct tttd_error e = { 0 };

	if (task_key && strcmp(task_key, name) == 0)
		return;
	tttd_policy_free(policy);
	policy = NULL;
	tttd_task_free(task);
	task = NULL;
	free(task_key);
	task_key = xstrdup(name);
	if (tttd_task_load(&task, name, &e) < 0)
		die_err(&e);
	if (opt.lm || opt.prompts)
		return; /* the model is the server's */
	if (opt.uniform) {
		tttd_policy_new(&policy, task, TTTD_POLICY_UNIFORM, opt.seed, &e);
	} else if (opt.policy) {
		if (tttd_policy_load(&policy, opt.policy, task, &e) < 0)
			die_err(&e);
	} else {
		/* the same kind and seed as tttd-train's initial policy */
		tttd_policy_new(&policy, task, opt.kind, opt.seed, &e);
		if (opt.init_from && tttd_policy_init_from(policy, opt.init_from, NULL, &e) < 0)
			die_err(&e);
	}
	note(2, "task '%s', %zu decisions, policy %s", task->name, task->ndec,
	     tttd_policy_id(policy));
}

static void
generate(struct tttd_writer *w, const struct tttd_rec *par, const struct tttd_cand *v,
	 const char *in, uint64_t index, uint64_t position)
{
	struct tttd_error e = { 0 };
	const char *pid = v->id;
	char *group;
	int64_t step = v->step, rank;
	int *pchoice, *child, *prev;
	const struct tttd_field *pdec;
	struct tttd_rng rng;
	struct tttd_rec out;
	long k;

	if (!opt.task && !v->task)
		die("%s: record %llu: parent has no 'task' (use --task)", in, (unsigned long long)index);
	use_task(opt.task ? opt.task : v->task);
	if (!pid)
		die("%s: record %llu: parent has no 'id'", in, (unsigned long long)index);
	if (v->bad & TTTD_CAND_STEP || step < 0)
		die("%s: record %llu: bad 'step'", in, (unsigned long long)index);
	/*
	 * The parent's own rank when tttd-select wrote one, so that a step split
	 * across several generators draws what one generator would have.
	 */
	if (v->bad & TTTD_CAND_RANK)
		die("%s: record %llu: bad 'rank'", in, (unsigned long long)index);
	rank = v->has & TTTD_CAND_RANK ? v->rank : (int64_t)position;

	pchoice = xmalloc((task->ndec + 1) * sizeof(int));
	child = xmalloc((task->ndec + 1) * sizeof(int));
	prev = xmalloc(((size_t)opt.children * task->ndec + 1) * sizeof(int));
	if (tttd_task_choice_from_rec(task, par, "decisions", pchoice, &e) < 0)
		die("%s: record %llu: %s", in, (unsigned long long)index, e.msg);
	pdec = tttd_rec_find(par, "decisions");

	group = xasprintf("%lld/%s", (long long)step, pid);
	tttd_rng_seed2(&rng, opt.seed, tttd_mix64((uint64_t)step, (uint64_t)rank));
	tttd_rec_init(&out);
	for (k = 0; k < opt.children; k++) {
		double logp;
		int draw;

		for (draw = 0; draw < TTTD_MAX_REDRAWS; draw++) {
			if (tttd_policy_sample(policy, pchoice, &rng, child, &logp, &e) < 0)
				die_err(&e);
			if (opt.repeats || !is_repeat(child, pchoice, prev, k))
				break;
		}
		memcpy(prev + (size_t)k * task->ndec, child, task->ndec * sizeof(int));
		tttd_task_candidate_rec(task, child, step, pid, group, pdec ? pdec->val : NULL,
					pdec ? pdec->vlen : 0, &out);
		tttd_rec_set_double(&out, "logp", logp);
		tttd_rec_set_str(&out, "policy", tttd_policy_id(policy));
		tttd_rec_stamp_seed(&out, "tttd-generate", opt.seed);
		tttd_rec_set_str(&out, "status", "generated");
		if (tttd_writer_write(w, &out, &e) < 0)
			die_err(&e);
	}
	note(2, "parent %s (step %lld, rank %lld): %ld children", pid, (long long)step,
	     (long long)rank, opt.children);
	tttd_rec_release(&out);
	free(group);
	free(pchoice);
	free(child);
	free(prev);
}

/* ---- the language-model generator (--lm, --prompts) ---- */

static struct tttd_writer *lm_writer;

static void
lm_emit(void *ctx, struct tttd_rec *r)
{
	struct tttd_error e = { 0 };

	(void)ctx;
	if (tttd_writer_write(lm_writer, r, &e) < 0)
		die_err(&e);
}

/* The local CPU's model name and count, for a CPU task's prompt when --hardware is not given. */
static char *
local_cpu(void)
{
	char *text = NULL, *p, *name = NULL, *out;
	long n = 0;

	if (tttd_read_file("/proc/cpuinfo", &text, NULL) == 0) {
		for (p = text; (p = strstr(p, "model name")); p++) {
			n++;
			if (!name) {
				char *c = strchr(p, ':'), *nl;

				if (c && (nl = strchr(c, '\n')))
					name = xstrndup(c + 2, (size_t)(nl - c - 2));
			}
		}
	}
	free(text);
	if (!name)
		return NULL;
	out = xasprintf("%s (%ld logical CPUs; a candidate runs on one thread)", name, n);
	free(name);
	return out;
}

static char *
first_line_of(const char *path, const char *what)
{
	char *text = NULL;

	if (tttd_read_file(path, &text, NULL) < 0)
		die("cannot read %s '%s':", what, path);
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

static int
lm_main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_lm_gen g;
	struct tttd_rec **par = NULL;
	int64_t *ranks = NULL;
	size_t npar = 0, cap = 0, i;
	char *key = NULL, *wrap = NULL, *adapter = NULL, *hw = NULL;
	char *const stdin_only[] = { "-" };
	char *const *inputs;
	int c, k, nin;

	nin = argc - optind;
	inputs = nin ? argv + optind : stdin_only;
	if (!nin)
		nin = 1;
	if (opt.lm_key_file)
		opt.lmo.http.api_key = key = first_line_of(opt.lm_key_file, "--lm-key-file");
	if (opt.lm_wrap) {
		if (tttd_read_file(opt.lm_wrap, &wrap, NULL) < 0)
			die("cannot read --lm-wrap '%s':", opt.lm_wrap);
		if (!strstr(wrap, "{{PROMPT}}"))
			die("--lm-wrap '%s' has no {{PROMPT}}", opt.lm_wrap);
	}
	if (opt.lm_adapter) {
		adapter = xstrdup(opt.lm_adapter);
	} else if (opt.policy) {
		if (tttd_lm_ckpt_read(opt.policy, &adapter, &e) < 0)
			die_err(&e);
	}
	if (opt.task)
		use_task(opt.task);
	/* parents: all of them, so that every request is in flight at once */
	for (k = 0; k < nin; k++) {
		struct tttd_reader *rd;
		struct tttd_rec r;

		if (tttd_reader_open(&rd, inputs[k], opt.com.force, &e) < 0)
			die_err(&e);
		tttd_rec_init(&r);
		while ((c = tttd_reader_next(rd, &r, &e)) > 0) {
			struct tttd_cand v;

			tttd_cand_read(&v, &r);
			if (!v.parent_kind) {
				tttd_cand_release(&v);
				continue;
			}
			if (!opt.task) {
				if (!v.task)
					die("%s: parent has no 'task' (use --task)", inputs[k]);
				/* one batch of requests holds one task's prompts */
				if (task && strcmp(v.task, task_key) != 0)
					die("%s: parents of tasks '%s' and '%s' in one batch (use --task)",
					    inputs[k], task_key, v.task);
				use_task(v.task);
			}
			if (v.bad & TTTD_CAND_RANK)
				die("%s: parent with a bad 'rank'", inputs[k]);
			XGROW(par, cap, npar + 1);
			ranks = xrealloc(ranks, (npar + 1) * sizeof(*ranks));
			par[npar] = xmalloc(sizeof(**par));
			tttd_rec_init(par[npar]);
			tttd_rec_copy(par[npar], &r);
			ranks[npar] = v.has & TTTD_CAND_RANK ? v.rank : (int64_t)npar;
			npar++;
			tttd_cand_release(&v);
		}
		if (c < 0)
			die_err(&e);
		tttd_rec_release(&r);
		tttd_reader_free(rd);
	}
	if (tttd_writer_open(&lm_writer, opt.com.output, opt.com.wflags, &e) < 0)
		die_err(&e);
	memset(&g, 0, sizeof(g));
	g.task = task;
	g.lm = opt.lmo;
	g.lm.url = opt.lm;
	g.base_model = opt.lm_model ? opt.lm_model : "default";
	g.lm.model = adapter ? adapter : g.base_model;
	g.adapter = adapter;
	g.prompt.hardware = opt.hardware;
	if (!g.prompt.hardware && task && tttd_target_of(task)->flags & TTTD_TARGET_HOST)
		g.prompt.hardware = hw = local_cpu();
	g.prompt.target_us = opt.target_us;
	g.prompt.wrap = wrap;
	g.prompt.prefill = !opt.lm_no_prefill;
	g.children = opt.children;
	g.split = opt.lm_split;
	g.seed = opt.seed;
	if (opt.prompts) {
		for (i = 0; i < npar; i++) {
			struct tttd_rec r;
			struct tttd_cand v;
			char *prompt = NULL;

			if (tttd_lm_prompt(task, par[i], &g.prompt, &prompt, &e) < 0)
				die_err(&e);
			tttd_cand_read(&v, par[i]);
			tttd_rec_init(&r);
			tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
			tttd_rec_set_str(&r, "kind", "prompt");
			tttd_rec_set_str(&r, "task", task->name);
			tttd_rec_set_int(&r, "step", v.step);
			tttd_rec_set_str(&r, "parent", v.id ? v.id : "");
			tttd_rec_set_str(&r, "prompt", prompt);
			tttd_rec_stamp(&r, "tttd-generate");
			lm_emit(NULL, &r);
			tttd_rec_release(&r);
			free(prompt);
			tttd_cand_release(&v);
		}
	} else if (npar && tttd_lm_generate(&g, par, ranks, npar, lm_emit, NULL, &e) < 0) {
		die_err(&e);
	}
	if (tttd_writer_close(lm_writer, &e) < 0)
		die_err(&e);
	note(1, "%zu %s from %zu parents (%s)", opt.prompts ? npar : npar * (size_t)opt.children,
	     opt.prompts ? "prompts" : "candidates", npar, adapter ? adapter : "base model");
	for (i = 0; i < npar; i++) {
		tttd_rec_release(par[i]);
		free(par[i]);
	}
	free(par);
	free(ranks);
	free(key);
	free(wrap);
	free(adapter);
	free(hw);
	tttd_policy_free(policy);
	tttd_task_free(task);
	free(task_key);
	close_stdout();
	return 0;
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_writer *w = NULL;
	struct tttd_rec r;
	uint64_t parents = 0, skipped = 0;
	int c, i, nin;
	char *const stdin_only[] = { "-" };
	char *const *inputs;

	diag_init("tttd-generate", SYNOPSIS);
	tttd_lm_opts_default(&opt.lmo);
	while ((c = tool_getopt(&topts, argc, argv, &opt.com)) != -1) {
		switch (c) {
		case OPT_CHILDREN:
			opt.children = opt_long(optarg, "--children", 1, 1000000);
			break;
		case OPT_INIT_FROM:
			opt.init_from = optarg;
			break;
		case OPT_POLICY:
			opt.policy = optarg;
			break;
		case OPT_POLICY_KIND:
			if (tttd_policy_kind_parse(optarg, &opt.kind) < 0 ||
			    opt.kind == TTTD_POLICY_UNIFORM)
				usage_die("--policy-kind: '%s' is not mlp or table", optarg);
			break;
		case OPT_REPEATS:
			opt.repeats = 1;
			break;
		case OPT_SEED:
			opt.seed = (uint64_t)opt_long(optarg, "--seed", 0, INT64_MAX);
			break;
		case OPT_TASK:
			opt.task = optarg;
			break;
		case OPT_UNIFORM:
			opt.uniform = 1;
			break;
		case OPT_LM:
			opt.lm = optarg;
			break;
		case OPT_LM_MODEL:
			opt.lm_model = optarg;
			break;
		case OPT_LM_ADAPTER:
			opt.lm_adapter = optarg;
			break;
		case OPT_LM_MAX_TOKENS:
			opt.lmo.max_tokens = opt_long(optarg, "--lm-max-tokens", 1, 10000000);
			break;
		case OPT_LM_TEMPERATURE:
			opt.lmo.temperature = opt_double(optarg, "--lm-temperature", 0, 100);
			break;
		case OPT_LM_TOP_P:
			opt.lmo.top_p = opt_double(optarg, "--lm-top-p", 1e-9, 1);
			break;
		case OPT_LM_TIMEOUT:
			opt.lmo.http.timeout_s = opt_double(optarg, "--lm-timeout", 0.001, 1e6);
			break;
		case OPT_LM_RETRIES:
			opt.lmo.http.retries = (int)opt_long(optarg, "--lm-retries", 0, 100);
			break;
		case OPT_LM_JOBS:
			opt.lmo.http.jobs = (int)opt_long(optarg, "--lm-jobs", 1, 4096);
			break;
		case OPT_LM_SPLIT:
			opt.lm_split = 1;
			break;
		case OPT_LM_KEY_FILE:
			opt.lm_key_file = optarg;
			break;
		case OPT_LM_WRAP:
			opt.lm_wrap = optarg;
			break;
		case OPT_LM_NO_PREFILL:
			opt.lm_no_prefill = 1;
			break;
		case OPT_HARDWARE:
			opt.hardware = optarg;
			break;
		case OPT_TARGET_US:
			opt.target_us = opt_double(optarg, "--target-us", 1e-9, 1e15);
			break;
		case OPT_PROMPTS:
			opt.prompts = 1;
			break;
		}
	}
	if (opt.uniform && opt.policy)
		usage_die("--uniform and --policy cannot be used together");
	if (opt.init_from && (opt.uniform || opt.policy))
		usage_die("--init-from starts a new policy: not with --uniform or --policy");
	if ((opt.lm || opt.prompts) && (opt.uniform || opt.init_from || opt.repeats))
		usage_die("--lm and --prompts cannot be used with --uniform, --init-from or --repeats");
	if (opt.lm && opt.prompts)
		usage_die("--prompts asks no server: not with --lm");
	if (opt.lm || opt.prompts)
		return lm_main(argc, argv);

	/* fail before reading anything when the task and checkpoint are known */
	if (opt.task)
		use_task(opt.task);
	nin = argc - optind;
	inputs = nin ? argv + optind : stdin_only;
	if (!nin)
		nin = 1;
	if (tttd_writer_open(&w, opt.com.output, opt.com.wflags, &e) < 0)
		die_err(&e);
	tttd_rec_init(&r);
	for (i = 0; i < nin; i++) {
		struct tttd_reader *rd;
		const char *in = strcmp(inputs[i], "-") ? inputs[i] : "(stdin)";

		if (tttd_reader_open(&rd, inputs[i], opt.com.force, &e) < 0)
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
			if (v.parent_kind)
				generate(w, &r, &v, in, index, parents++);
			else
				skipped++;
			tttd_cand_release(&v);
		}
		tttd_reader_free(rd);
	}
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	if (skipped)
		note(2, "skipped %llu records that are not parents", (unsigned long long)skipped);
	note(1, "%llu candidates from %llu parents", (unsigned long long)(parents * opt.children),
	     (unsigned long long)parents);
	tttd_rec_release(&r);
	tttd_policy_free(policy);
	tttd_task_free(task);
	free(task_key);
	close_stdout();
	return 0;
}
