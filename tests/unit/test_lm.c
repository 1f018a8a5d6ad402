/*
 * test_lm.c - the language-model generator's pieces that need no server:
 * code extraction, the contract (entry points, settings by #define, host
 * API, forbidden words, constraints), reading completions answers, the
 * prompt's sections, the KL shaping of the advantages and the adapter
 * names.  The client against a server is tests/pipeline/lm_fake.sh and
 * lm_loop.sh.
 */
#include <stdlib.h>
#include <string.h>

#include "lm.h"
#include "lm_train.h"
#include "rec.h"
#include "test.h"

static void
test_extract(void)
{
	struct tttd_error e = { 0 };
	char *code = NULL;

	T_CHECK("last complete block", tttd_lm_extract("a\n```c\nint x;\n```\nthen\n```\nint y;\n```\n", "stop", 0, &code, &e) == 0 &&
					       strcmp(code, "int y;\n") == 0);
	free(code);
	T_CHECK("no block", tttd_lm_extract("nothing here", "stop", 0, &code, &e) == TTTD_ENOENT &&
				    strstr(e.msg, "no code block"));
	T_CHECK("an open block cut by max_tokens",
		tttd_lm_extract("```c\nint x", "length", 0, &code, &e) == TTTD_ENOENT && strstr(e.msg, "(length)"));
	T_CHECK("prefill: up to the fence", tttd_lm_extract("int z;\n```\nmore", "stop", 1, &code, &e) == 0 &&
						    strcmp(code, "int z;\n") == 0);
	free(code);
	T_CHECK("prefill: stopped on the fence", tttd_lm_extract("int z;\n", "stop", 1, &code, &e) == 0 &&
							 strcmp(code, "int z;\n") == 0);
	free(code);
	T_CHECK("prefill: truncated", tttd_lm_extract("int z", "length", 1, &code, &e) == TTTD_ENOENT);
	T_CHECK("prefill: the model opened its own fence", tttd_lm_extract("```c\nint w;\n```\n", "stop", 1, &code, &e) == 0 &&
								   strcmp(code, "int w;\n") == 0);
	free(code);
	T_CHECK("empty block", tttd_lm_extract("```c\n \n```\n", "stop", 0, &code, &e) == TTTD_ENOENT &&
				       strstr(e.msg, "empty"));
}

static void
test_contract(void)
{
	struct tttd_error e = { 0 };
	struct tttd_task *cpu = NULL, *cuda = NULL;
	int c[8], parent[8] = { 1, 0, 1 };

	T_CHECK("load ok_cpu", tttd_task_load(&cpu, "tests/data/tasks/ok_cpu", &e) == 0);
	T_CHECK("load cuda_gemm", tttd_task_load(&cuda, "tests/data/tasks/cuda_gemm", &e) == 0);
	if (!cpu || !cuda)
		return;
	T_CHECK("cpu: entry missing", tttd_lm_contract(cpu, "void f(void) {}", NULL, c, &e) == TTTD_EFORMAT &&
					      strstr(e.msg, "does not define 'tttd_kernel'"));
	T_CHECK("cpu: defaults are the first options",
		tttd_lm_contract(cpu, "void tttd_kernel (void **b, const long *d) {}", NULL, c, &e) == 0 &&
			c[0] == 0 && c[1] == 0 && c[2] == 0);
	T_CHECK("cpu: unset settings keep the parent's",
		tttd_lm_contract(cpu, "void tttd_kernel(void **b, const long *d) {}", parent, c, &e) == 0 &&
			c[0] == 1 && c[2] == 1);
	T_CHECK("cpu: #define sets, a comment after it is not part of it",
		tttd_lm_contract(cpu, "#define OPT -O2\n  # define UNROLL 4 /* wide */\n#define MODE safe\nvoid tttd_kernel(void **b, const long *d) {}",
				 NULL, c, &e) == 0 &&
			c[0] == 1 && c[1] == 1 && c[2] == 1);
	T_CHECK("cpu: a value that is not an option",
		tttd_lm_contract(cpu, "#define UNROLL 3\nvoid tttd_kernel(void **b, const long *d) {}", NULL, c, &e) ==
				TTTD_EFORMAT &&
			strstr(e.msg, "'#define UNROLL 3': not an option of UNROLL (1 4)"));
	T_CHECK("cpu: a constraint broken",
		tttd_lm_contract(cpu, "#define UNROLL 4\nvoid tttd_kernel(void **b, const long *d) {}", NULL, c, &e) ==
				TTTD_EFORMAT &&
			strstr(e.msg, "OPT != \"-O1\" || UNROLL == 1"));
	T_CHECK("cpu: a function-like macro is not a setting",
		tttd_lm_contract(cpu, "#define MODE(x) x\nvoid tttd_kernel(void **b, const long *d) {}", NULL, c, &e) == 0 &&
			c[2] == 0);

	T_CHECK("cuda: kernel missing", tttd_lm_contract(cuda, "__global__ void other(void) {}", NULL, c, &e) ==
							TTTD_EFORMAT &&
						strstr(e.msg, "kernel 'gemm_tile'"));
	T_CHECK("cuda: host API refused",
		tttd_lm_contract(cuda, "extern \"C\" __global__ void gemm_tile() { cudaMalloc(0, 0); }", NULL, c, &e) ==
				TTTD_EFORMAT &&
			strstr(e.msg, "host API 'cudaMalloc'"));
	T_CHECK("cuda: launch parameters set by #define",
		tttd_lm_contract(cuda, "#define BM 128\n#define BN 64\n#define TM 8\n#define TN 4\nextern \"C\" __global__ void gemm_tile() {}",
				 NULL, c, &e) == 0 &&
			c[0] == 2 && c[1] == 1 && c[2] == 3 && c[3] == 2);
	T_CHECK("cuda: block size out of the constraints",
		tttd_lm_contract(cuda, "#define BM 32\n#define BN 32\n#define TM 8\n#define TN 8\nextern \"C\" __global__ void gemm_tile() {}",
				 NULL, c, &e) == TTTD_EFORMAT &&
			strstr(e.msg, "constraint"));
	free(cuda->lm_forbid);
	cuda->lm_forbid = malloc(sizeof(char *));
	cuda->lm_forbid[0] = strdup("identity");
	cuda->nlm_forbid = 1;
	T_CHECK("forbidden word", tttd_lm_contract(cuda, "extern \"C\" __global__ void gemm_tile() { /* identity */ }", NULL, c, &e) ==
						  TTTD_EFORMAT &&
					  strstr(e.msg, "forbidden 'identity'"));
	tttd_task_free(cpu);
	tttd_task_free(cuda);
}

static void
test_parse(void)
{
	struct tttd_lm_reply r = { 0 };
	struct tttd_error e = { 0 };
	const char *ok = "{\"choices\":[{\"index\":1,\"text\":\"b\",\"finish_reason\":\"length\",\"token_ids\":[4],"
			 "\"logprobs\":{\"token_logprobs\":[-0.5]}},{\"index\":0,\"text\":\"a\",\"finish_reason\":\"stop\","
			 "\"logprobs\":{\"tokens\":[\"token_id:7\",\"token_id:8\"],\"token_logprobs\":[-1,-2]},"
			 "\"prompt_token_ids\":[1,2]}]}";
	const char *nul = "{\"choices\":[{\"text\":\"x\",\"token_ids\":[1],\"logprobs\":{\"token_logprobs\":[null]}}]}";

	r.n = 3;
	r.s = calloc(3, sizeof(*r.s));
	T_CHECK("parse", tttd_lm_parse_reply(ok, strlen(ok), &r, &e) == 0);
	T_CHECK("by index", r.s[0].text && strcmp(r.s[0].text, "a") == 0 && strcmp(r.s[1].text, "b") == 0);
	T_CHECK("token_id strings", r.s[0].ntokens == 2 && r.s[0].tokens[1] == 8 && r.s[0].logprobs[1] == -2);
	T_CHECK("token_ids", r.s[1].ntokens == 1 && r.s[1].tokens[0] == 4 && strcmp(r.s[1].finish, "length") == 0);
	T_CHECK("prompt ids from a choice", r.nprompt == 2 && r.prompt_tokens[1] == 2);
	T_CHECK("a missing choice is an error", !r.s[2].text && r.s[2].error && strstr(r.s[2].error, "2 of 3"));
	tttd_lm_reply_release(&r);

	r.n = 1;
	r.s = calloc(1, sizeof(*r.s));
	T_CHECK("malformed", tttd_lm_parse_reply("{\"choices\": [", 13, &r, &e) == TTTD_EFORMAT && r.s[0].error &&
				     strstr(r.s[0].error, "malformed answer"));
	tttd_lm_reply_release(&r);
	r.n = 1;
	r.s = calloc(1, sizeof(*r.s));
	T_CHECK("null logprobs: text kept, no tokens",
		tttd_lm_parse_reply(nul, strlen(nul), &r, &e) == 0 &&
			r.s[0].text && r.s[0].ntokens == 0 && !r.s[0].tokens);
	tttd_lm_reply_release(&r);
}

static void
test_prompt(void)
{
	struct tttd_error e = { 0 };
	struct tttd_task *t = NULL;
	struct tttd_lm_prompt_opts o = { "a test CPU", 0, NULL, 1 };
	struct tttd_rec par;
	char *p = NULL;

	T_CHECK("load loops", tttd_task_load(&t, "kernels/loops", &e) == 0);
	if (!t)
		return;
	tttd_rec_init(&par);
	T_CHECK("json parent", tttd_rec_from_json(&par,
						  "{\"kind\":\"parent\",\"id\":\"p\",\"step\":1,\"decisions\":{},"
						  "\"source\":\"int old;\",\"time_ns\":2500000,\"timing\":[{\"shape\":[64,256,256],\"median_ns\":2500000.0}]}",
						  strlen("{\"kind\":\"parent\",\"id\":\"p\",\"step\":1,\"decisions\":{},"
							 "\"source\":\"int old;\",\"time_ns\":2500000,\"timing\":[{\"shape\":[64,256,256],\"median_ns\":2500000.0}]}"),
						  &e) == 0);
	T_CHECK("prompt", tttd_lm_prompt(t, &par, &o, &p, &e) == 0 && p);
	if (p) {
		T_CHECK("the reference", strstr(p, "tttd_reference(void **buf, const long *dim)") != NULL);
		T_CHECK("the entry", strstr(p, "void tttd_kernel(void **buf, const long *dim);") != NULL);
		T_CHECK("the buffers", strstr(p, "C (output, f32, M*N elements)") != NULL);
		T_CHECK("the hardware", strstr(p, "Hardware: a test CPU.") != NULL);
		T_CHECK("the parent's code", strstr(p, "```c\nint old;\n```") != NULL);
		T_CHECK("its time per shape", strstr(p, "M=64 N=256 K=256: 2500.00 us") != NULL);
		T_CHECK("the target", strstr(p, "Target: 1500.00 us (the current code: 2500.00 us)") != NULL);
		T_CHECK("the task's guidance", strstr(p, "stride 1") != NULL);
		T_CHECK("no settings shown (lm_sets is empty)", strstr(p, "ORDER") == NULL);
		T_CHECK("prefilled fence last", strlen(p) > 5 && strcmp(p + strlen(p) - 5, "```c\n") == 0);
	}
	free(p);
	o.wrap = "<user>{{PROMPT}}</user><bot>";
	o.prefill = 0;
	T_CHECK("wrapped", tttd_lm_prompt(t, &par, &o, &p, &e) == 0 && strncmp(p, "<user># Task: loops", 19) == 0 &&
				   strcmp(p + strlen(p) - 12, "</user><bot>") == 0);
	free(p);
	tttd_rec_release(&par);
	tttd_task_free(t);
}

static void
test_shape(void)
{
	int64_t pr[] = { 1 }, tk[] = { 5, 6 }, tk2[] = { 7 };
	double lp1[] = { -0.5, -1.5 }, lp2[] = { -2.0 }, b1[] = { -1, -1 }, b2[] = { -1 }, a1[2], a2[1], md;
	struct tttd_lm_example ex[2] = {
		{ "a", pr, 1, tk, lp1, 2, 1.0, a1, b1 },
		{ "b", pr, 1, tk2, lp2, 1, -1.0, a2, b2 },
	};
	struct tttd_lm_train_opts o;
	char n1[64], n2[64], n3[64];

	tttd_lm_shape(ex, 2, 0.1, &md);
	T_NEAR("mean d", md, -1.0 / 3, 1e-12);
	T_NEAR("A_t = A + kl (mean - d_t)", a1[0], 1 + 0.1 * (-1.0 / 3 - 0.5), 1e-12);
	T_NEAR("second token", a1[1], 1 + 0.1 * (-1.0 / 3 + 0.5), 1e-12);
	T_NEAR("second example", a2[0], -1 + 0.1 * (-1.0 / 3 + 1.0), 1e-12);
	tttd_lm_shape(ex, 2, 0, &md);
	T_CHECK("kl 0: the advantage as it is", a1[0] == 1.0 && a1[1] == 1.0 && a2[0] == -1.0);
	ex[0].base = ex[1].base = NULL;
	tttd_lm_shape(ex, 2, 0.1, &md);
	T_CHECK("no base: the advantage as it is", md == 0 && a1[0] == 1.0);

	tttd_lm_train_opts_default(&o);
	T_CHECK("the paper's Adam", o.lr == 4e-5 && o.beta1 == 0.9 && o.beta2 == 0.95 && o.eps == 1e-8 && o.kl == 0.1);
	tttd_lm_adapter_name("run", NULL, &o, ex, 2, n1);
	tttd_lm_adapter_name("run", NULL, &o, ex, 2, n2);
	tttd_lm_adapter_name("run", "run-x", &o, ex, 2, n3);
	T_CHECK("adapter names: stable", strcmp(n1, n2) == 0 && strncmp(n1, "run-", 4) == 0 && strlen(n1) == 28);
	T_CHECK("adapter names: the start counts", strcmp(n1, n3) != 0);
	o.lr = 1e-3;
	tttd_lm_adapter_name("run", NULL, &o, ex, 2, n2);
	T_CHECK("adapter names: the settings count", strcmp(n1, n2) != 0);
}

int
main(void)
{
	test_extract();
	test_contract();
	test_parse();
	test_prompt();
	test_shape();
	return T_DONE();
}
