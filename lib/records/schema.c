/*
 * schema.c - the key table of docs/schema.md, the record type check and the
 * tool stamp.  It knows types and owners, not semantics: whether a "status"
 * value is one of the documented words is for the tools that read it.
 */
#include <string.h>

#include "schema.h"

/* Same order as docs/schema.md; backquotes of the doc dropped from meanings. */
const struct tttd_schema_key tttd_schema[] = {
	{ "v", "int", "any",
	  "schema version, 1" },
	{ "kind", "str", "any",
	  "parent, candidate, train, policy, space or prompt" },
	{ "id", "str", "tttd-generate",
	  "content hash (32 hex digits) of task, target, decisions, source and compile flags; for a parent, the id of the state it names" },
	{ "task", "str", "tttd-generate",
	  "task name (matmul)" },
	{ "target", "str", "tttd-generate",
	  "cpu or cuda" },
	{ "step", "int", "tttd-select",
	  "the discovery step this record belongs to" },
	{ "decisions", "map", "tttd-generate",
	  "decision name to option text" },
	{ "parent_decisions", "map", "tttd-generate",
	  "the parent's decisions (empty for a root), so training needs no archive lookup" },
	{ "value", "float", "tttd-select",
	  "a parent's value for PUCT (minus the time in microseconds, or with `--objective baseline` minus 1 / baseline_ratio; higher is better)" },
	{ "puct", "float", "tttd-select",
	  "a parent's PUCT score when it was picked" },
	{ "visits", "int", "tttd-select",
	  "a parent's visit count n (its rollouts and its descendants')" },
	{ "root", "bool", "tttd-select",
	  "true for the task's initial state" },
	{ "rank", "int", "tttd-select",
	  "a parent's position among this step's picks" },
	{ "parent", "str", "tttd-generate",
	  "id of the parent state this candidate was generated from" },
	{ "group", "str", "tttd-generate",
	  "the group of siblings scored together: <step>/<parent id>" },
	{ "source", "str", "tttd-generate",
	  "the rendered kernel source" },
	{ "cflags", "str", "tttd-generate",
	  "compile flags" },
	{ "logp", "float", "tttd-generate",
	  "log-probability of the decisions under the sampling policy" },
	{ "policy", "str", "tttd-generate",
	  "id of the policy checkpoint that sampled it (uniform for random search)" },
	{ "origin", "str", "tttd-screen",
	  "where a proposal the policy did not draw came from: recombined (with the archive's fastest states) or explore (a uniform draw); no logp" },
	{ "seed", "int", "any",
	  "the seed the writing tool used" },
	{ "tool", "str", "any",
	  "name and version of the last tool that wrote the record" },
	{ "status", "str", "any",
	  "generated, compiled, ok, or a failure: compile_error, load_error, crash, timeout, oom, wrong, nan, too_fast, launch_error, unverified, infeasible, invalid, lm_error, no_code, contract" },
	{ "reason", "str", "any",
	  "one line saying why a candidate failed" },
	{ "compile_log", "str", "tttd-compile",
	  "compiler output (warnings and errors)" },
	{ "compile_ms", "float", "tttd-compile",
	  "wall time of the compile, 0 on a cache hit" },
	{ "cache_key", "str", "tttd-compile",
	  "the compile cache key" },
	{ "cached", "bool", "tttd-compile",
	  "the object came from the cache" },
	{ "object", "bin", "tttd-compile",
	  "the compiled object (shared object or cubin); consumed by tttd-bench, which removes it unless --keep-object" },
	{ "resources", "map", "tttd-compile",
	  "registers, shared memory, spills (CUDA)" },
	{ "time_ns", "float", "tttd-bench",
	  "the candidate's time: geometric mean over bench shapes of the median" },
	{ "ref_ns", "float", "tttd-bench",
	  "the reference's time, same protocol: the run's, measured once by its first step (tttd-bench --ref-ns), or with --paired measured right before this candidate" },
	{ "speedup", "float", "tttd-bench",
	  "ref_ns / time_ns" },
	{ "baseline", "str", "tttd-bench",
	  "the builtin baseline timed beside the candidate (cublas_gemm_bf16)" },
	{ "baseline_ns", "float", "tttd-bench",
	  "the baseline's time, same protocol, same worker (with --paired: its calls interleaved with the candidate's)" },
	{ "baseline_ratio", "float", "tttd-bench",
	  "baseline_ns / time_ns: above 1 is faster than the baseline" },
	{ "floor_ns", "float", "tttd-bench",
	  "the physical floor: geometric mean over bench shapes of max(bytes / measured bandwidth, flops / measured peak)" },
	{ "timing", "array", "tttd-bench",
	  "per bench shape: {shape, median_ns, mean_ns, stddev_ns, min_ns, max_ns, ci_lo_ns, ci_hi_ns, n}, "
	  "plus baseline_ns and baseline_ratio at that shape when a baseline was timed, and with --paired "
	  "baseline_ratio_ci, the 95% interval of the median of the per-call ratios (baseline call / candidate call)" },
	{ "check", "map", "tttd-bench",
	  "correctness evidence: {shapes, seeds, max_abs_err, max_rel_err, checked}" },
	{ "device", "str", "tttd-bench",
	  "the device it ran on (CPU model or GPU name)" },
	{ "stderr", "str", "tttd-bench",
	  "what the candidate wrote to stderr while it was benchmarked, the first 4096 bytes (absent when nothing)" },
	{ "bench_ms", "float", "tttd-bench",
	  "wall time spent on this candidate" },
	{ "bench_mac", "str", "tttd-bench",
	  "HMAC-SHA256 (64 hex digits), under this machine's bench key, of the measured keys and the task, shapes and protocol they were measured with; a measurement without a valid one is measured again or becomes unverified" },
	{ "reward", "float", "tttd-score",
	  "reward_scale / time in microseconds, or with `--objective baseline` baseline_ratio (times `--scale`, default 1); 0 for a failure" },
	{ "advantage", "float", "tttd-score",
	  "entropic advantage within its group (absent when the group was dropped)" },
	{ "beta", "float", "tttd-score",
	  "the group's adaptive inverse temperature" },
	{ "dropped", "bool", "tttd-score",
	  "the group had constant reward and is not trained on" },
	{ "loss", "float", "tttd-train",
	  "training summary: the policy-gradient loss" },
	{ "mean_advantage", "float", "tttd-train",
	  "training summary: mean advantage over trained candidates" },
	{ "entropy", "float", "tttd-train",
	  "training summary: mean per-decision entropy of the policy" },
	{ "kl", "float", "tttd-train",
	  "training summary: KL of the policy to the initial policy" },
	{ "trained", "int", "tttd-train",
	  "training summary: candidates used" },
	{ "checkpoint", "str", "tttd-train",
	  "training summary: the path of the checkpoint written" },
	{ "completion", "str", "tttd-generate",
	  "a language model's completion as the server returned it (the source is the code taken from it)" },
	{ "prompt_tokens", "array", "tttd-generate",
	  "the prompt's token ids (language model)" },
	{ "completion_tokens", "array", "tttd-generate",
	  "the completion's token ids (language model)" },
	{ "token_logprobs", "array", "tttd-generate",
	  "the sampler's log-probability of each completion token" },
	{ "adapter", "str", "tttd-generate",
	  "the adapter that sampled it (base for the base model); in a train summary, the adapter the step made" },
	{ "lm_model", "str", "tttd-generate",
	  "the base model's name on the server" },
	{ "finish_reason", "str", "tttd-generate",
	  "why the completion ended: stop or length" },
	{ "lm_ms", "float", "tttd-generate",
	  "wall time of the completions request, retries included" },
	{ "prompt", "str", "tttd-generate",
	  "a prompt record's prompt text (tttd-generate --prompts)" },
	{ "tokens", "int", "tttd-train",
	  "training summary: completion tokens trained on (language model)" },
	{ "reused", "bool", "tttd-train",
	  "training summary: the service had made this step's adapter already (a repeated step)" },
	{ "feasible", "int", "tttd-space",
	  "feasible choices of the space (a space record)" },
	{ "ok", "int", "tttd-space",
	  "feasible choices whose modelled time is a success" },
	{ "within", "float", "tttd-space",
	  "the target: within this fraction of the optimum (0.01 = 1%)" },
	{ "best_ns", "float", "tttd-space",
	  "the space's optimum, in ns" },
	{ "limit_ns", "float", "tttd-space",
	  "best_ns * (1 + within)" },
	{ "hits", "int", "tttd-space",
	  "choices at or under limit_ns" },
	{ "p", "float", "tttd-space",
	  "probability that one uniform draw of tttd-generate hits the target" },
	{ "median_draws", "float", "tttd-space",
	  "uniform search's median draws to the target, ceil(ln 2 / -ln(1 - p)); absent when p = 0" },
	{ "mean_draws", "float", "tttd-space",
	  "uniform search's mean draws to the target, 1 / p; absent when p = 0" },
};
const size_t tttd_schema_n = sizeof(tttd_schema) / sizeof(tttd_schema[0]);

const struct tttd_schema_key *
tttd_schema_find(const char *key)
{
	size_t i;

	for (i = 0; i < tttd_schema_n; i++)
		if (strcmp(tttd_schema[i].key, key) == 0)
			return &tttd_schema[i];
	return NULL;
}

static const char *
type_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: return "nil";
	case MSGPACK_OBJECT_BOOLEAN: return "bool";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "int";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "float";
	case MSGPACK_OBJECT_STR: return "str";
	case MSGPACK_OBJECT_BIN: return "bin";
	case MSGPACK_OBJECT_ARRAY: return "array";
	case MSGPACK_OBJECT_MAP: return "map";
	default: return "ext";
	}
}

static int
type_ok(const char *want, const char *got)
{
	if (strcmp(want, "any") == 0 || strcmp(want, got) == 0)
		return 1;
	/* A float key accepts an int: 2 and 2.0 are the same number to a reader. */
	return strcmp(want, "float") == 0 && strcmp(got, "int") == 0;
}

int
tttd_schema_check(const struct tttd_rec *r, struct tttd_error *e)
{
	const struct tttd_schema_key *k;
	msgpack_object o;
	msgpack_zone z;
	size_t i;
	int rc = TTTD_OK;

	msgpack_zone_init(&z, 1024);
	for (i = 0; i < r->n && rc == TTTD_OK; i++) {
		k = tttd_schema_find(r->f[i].key);
		if (!k)
			continue;
		msgpack_zone_clear(&z);
		if (tttd_rec_get_object(r, k->key, &z, &o) != 1)
			rc = tttd_error_set(e, TTTD_EFORMAT, "key '%s': not msgpack", k->key);
		else if (!type_ok(k->type, type_name(&o)))
			rc = tttd_error_set(e, TTTD_EFORMAT, "key '%s': expected %s, got %s",
					    k->key, k->type, type_name(&o));
	}
	msgpack_zone_destroy(&z);
	return rc;
}

size_t
tttd_schema_owns(const char *tool)
{
	size_t i, n = 0;

	for (i = 0; i < tttd_schema_n; i++)
		n += strcmp(tttd_schema[i].owner, tool) == 0;
	return n;
}

size_t
tttd_schema_strip(struct tttd_rec *r, const char *const *owners, size_t n)
{
	size_t i = 0, j, removed = 0;

	while (i < r->n) {
		const struct tttd_schema_key *k = tttd_schema_find(r->f[i].key);
		int own = 0;

		for (j = 0; k && j < n && !own; j++)
			own = strcmp(k->owner, owners[j]) == 0;
		if (own && tttd_rec_del(r, k->key) == 1) {
			removed++;
			continue; /* the next field moved into place i */
		}
		i++;
	}
	return removed;
}

void
tttd_rec_stamp(struct tttd_rec *r, const char *tool)
{
	char buf[128];

	if (!tttd_rec_has(r, "v"))
		tttd_rec_set_int(r, "v", TTTD_SCHEMA_VERSION);
	snprintf(buf, sizeof(buf), "%s %s", tool, TTTD_VERSION);
	tttd_rec_set_str(r, "tool", buf);
}

void
tttd_rec_stamp_seed(struct tttd_rec *r, const char *tool, uint64_t seed)
{
	tttd_rec_set_int(r, "seed", (int64_t)seed);
	tttd_rec_stamp(r, tool);
}
