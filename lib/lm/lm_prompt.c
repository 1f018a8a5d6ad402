/*
 * lm_prompt.c - what a language model is told and what its answer must be
 * (see lm.h): the prompt built from a task and a parent state, the code
 * block taken from a completion, and the contract check that turns a
 * model-written source into a candidate's choice of the task's decisions.
 *
 * The prompt follows TTT-Discover's (reference/ttt-discover.md section 3):
 * the problem and its reference, the rules, the start state's code with
 * its measured time, and a target; single turn, no history of earlier
 * attempts.  It is plain text in sections, so a base model continues it
 * and a chat model reads it once a --lm-wrap template puts it in a turn.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "lm.h"
#include "rec.h"
#include "target.h" /* defines: tttd_target_of, TTTD_TARGET_DEVICE */

/* A growing string. */
struct sb {
	char *p;
	size_t n, cap;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		size_t room = b->cap - b->n;

		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			BUG("vsnprintf failed");
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		XGROW(b->p, b->cap, b->n + (size_t)k + 1);
	}
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_printf(b, "%s", s);
}

/* s, with a newline added unless it ends in one. */
static void
sb_block(struct sb *b, const char *s)
{
	size_t n = strlen(s);

	sb_puts(b, s);
	if (n == 0 || s[n - 1] != '\n')
		sb_puts(b, "\n");
}

const char *
tttd_lm_lang(const struct tttd_task *t)
{
	return tttd_target_of(t)->lang;
}

static const char *
ctype_of(enum tttd_dtype d, int cuda)
{
	switch (d) {
	case TTTD_F32: return "float";
	case TTTD_F64: return "double";
	case TTTD_I32: return "int";
	case TTTD_BF16: return cuda ? "__nv_bfloat16" : "uint16_t (bf16 bits)";
	case TTTD_F16: return cuda ? "__half" : "uint16_t (fp16 bits)";
	}
	return "void";
}

static const char *const dtype_names[] = { "f32", "f64", "i32", "bf16", "f16" };
static const char *const role_names[] = { "input", "output", "scratch" };

static void
shapes(struct sb *b, const struct tttd_task *t, const struct tttd_shape *s, size_t n)
{
	size_t i, d;

	for (i = 0; i < n; i++) {
		sb_puts(b, i ? "; " : "");
		for (d = 0; d < t->ndim; d++)
			sb_printf(b, "%s%s=%ld", d ? " " : "", t->dim_name[d], s[i].dim[d]);
	}
}

/* The plan lines of a CUDA task, as its author wrote them (launch, gemm). */
static void
plan_lines(struct sb *b, const struct tttd_task *t)
{
	char *path = xasprintf("%s/task", t->dir), *text = NULL, *line, *save = NULL;

	if (tttd_read_file(path, &text, NULL) == 0) {
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			while (isspace((unsigned char)*line))
				line++;
			if (strncmp(line, "launch ", 7) == 0 || strncmp(line, "gemm ", 5) == 0)
				sb_printf(b, "    %s\n", line);
		}
	}
	free(text);
	free(path);
}

static void
contract(struct sb *b, const struct tttd_task *t, const int *pchoice)
{
	int cuda = (tttd_target_of(t)->flags & TTTD_TARGET_DEVICE) != 0;
	size_t i, d;
	char *cflags;
	int *c = xmalloc((t->ndec + 1) * sizeof(int));

	sb_puts(b, "\n## Contract\n");
	if (cuda) {
		sb_puts(b, "Write CUDA C device code only (compiled by NVRTC; no host code, no host API "
			   "calls, no #include of host headers).  Define each kernel of the plan below as\n");
		for (i = 0; i < t->nlaunch; i++) {
			size_t j;
			int seen = 0;

			if (t->launch[i].kind != TTTD_STEP_LAUNCH)
				continue;
			for (j = 0; j < i; j++)
				seen |= t->launch[j].kind == TTTD_STEP_LAUNCH &&
					strcmp(t->launch[j].kernel, t->launch[i].kernel) == 0;
			if (seen)
				continue;
			sb_printf(b, "    extern \"C\" __global__ void %s(", t->launch[i].kernel);
			for (j = 0; j < t->nbuf; j++)
				sb_printf(b, "%s%s%s *%s", j ? ", " : "",
					  t->buf[j].role == TTTD_BUF_IN ? "const " : "",
					  ctype_of(t->buf[j].dtype, 1), t->buf[j].name);
			for (d = 0; d < t->ndim; d++)
				sb_printf(b, ", long %s", t->dim_name[d]);
			sb_puts(b, ");\n");
		}
		sb_puts(b, "The trusted host code runs this plan, in order (grid, block and shared memory "
			   "are expressions over the dims and the settings below):\n");
		plan_lines(b, t);
	} else {
		sb_printf(b, "Write one C11 file that defines\n    void %s(void **buf, const long *dim);\n",
			  t->entry);
		sb_puts(b, "buf[i] is the i-th buffer below, dim[i] the i-th dim.\n");
	}
	sb_puts(b, "Buffers, in order:");
	for (i = 0; i < t->nbuf; i++)
		sb_printf(b, "%s %s (%s, %s, %s elements)", i ? "," : "", t->buf[i].name,
			  role_names[t->buf[i].role], dtype_names[t->buf[i].dtype], t->buf[i].count_text);
	sb_puts(b, ".\nDims, in order:");
	for (d = 0; d < t->ndim; d++)
		sb_printf(b, " %s", t->dim_name[d]);
	sb_printf(b, ".\nOutputs hold NaN on entry: write every output element.  An output element "
		     "passes when |got - want| <= %g + %g * |want|.\n",
		  t->atol, t->rtol);
	sb_puts(b, "Checked at: ");
	shapes(b, t, t->check, t->ncheck);
	sb_puts(b, ".\nTimed at: ");
	shapes(b, t, t->bench, t->nbench);
	sb_puts(b, ".\n");
	for (d = 0; d < t->ndec; d++)
		c[d] = pchoice && pchoice[d] >= 0 ? pchoice[d] : 0;
	for (d = i = 0; d < t->ndec; d++)
		i += t->lm_settable[d] != 0;
	if (i) {
		sb_puts(b, "Settings you may choose with a line `#define NAME value` (the value one of "
			   "the options; a setting you leave out keeps the current code's):\n");
		for (d = 0; d < t->ndec; d++) {
			if (!t->lm_settable[d])
				continue;
			sb_printf(b, "    %s:", t->dec[d].name);
			for (i = 0; i < t->dec[d].nopt; i++)
				sb_printf(b, " %s", t->dec[d].opt[i]);
			sb_printf(b, " (now %s)\n", t->dec[d].opt[c[d]]);
		}
		for (i = 0; i < t->ncon; i++)
			sb_printf(b, "    constraint: %s\n", t->con[i].text);
	}
	cflags = tttd_task_render_cflags(t, c);
	if (!cuda)
		sb_printf(b, "Compiled with: cc -shared -fPIC %s\n", cflags);
	else if (*cflags)
		sb_printf(b, "NVRTC options: %s\n", cflags);
	free(cflags);
	for (i = 0; i < t->nlm_forbid; i++)
		sb_printf(b, "%s\"%s\"%s", i ? ", " : "Forbidden anywhere in the code: ", t->lm_forbid[i],
			  i + 1 == t->nlm_forbid ? ".\n" : "");
	free(c);
}

/* The parent's measured time tns: geometric mean, and the median per bench shape. */
static void
parent_time(struct sb *b, const struct tttd_task *t, const struct tttd_rec *parent, double tns)
{
	msgpack_zone z;
	msgpack_object o;
	uint32_t i, j;

	if (!(tns > 0))
		return;
	sb_printf(b, "Measured: %.2f us (geometric mean over the timed shapes of the median time).\n",
		  tns / 1e3);
	msgpack_zone_init(&z, 1024);
	if (tttd_rec_get_object(parent, "timing", &z, &o) == 1 && o.type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < o.via.array.size; i++) {
			const msgpack_object *m = &o.via.array.ptr[i], *shape = NULL;
			double med = -1;

			if (m->type != MSGPACK_OBJECT_MAP)
				continue;
			for (j = 0; j < m->via.map.size; j++) {
				const msgpack_object_kv *kv = &m->via.map.ptr[j];

				if (kv->key.type != MSGPACK_OBJECT_STR)
					continue;
				if (kv->key.via.str.size == 5 && !memcmp(kv->key.via.str.ptr, "shape", 5))
					shape = &kv->val;
				else if (kv->key.via.str.size == 9 &&
					 !memcmp(kv->key.via.str.ptr, "median_ns", 9)) {
					if (kv->val.type == MSGPACK_OBJECT_FLOAT64 ||
					    kv->val.type == MSGPACK_OBJECT_FLOAT32)
						med = kv->val.via.f64;
					else if (kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
						med = (double)kv->val.via.u64;
				}
			}
			if (!shape || shape->type != MSGPACK_OBJECT_ARRAY || med < 0)
				continue;
			sb_puts(b, "    ");
			for (j = 0; j < shape->via.array.size; j++) {
				const msgpack_object *v = &shape->via.array.ptr[j];

				if (j < t->ndim && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
					sb_printf(b, "%s%s=%llu", j ? " " : "", t->dim_name[j],
						  (unsigned long long)v->via.u64);
			}
			sb_printf(b, ": %.2f us\n", med / 1e3);
		}
	}
	msgpack_zone_destroy(&z);
}

int
tttd_lm_prompt(const struct tttd_task *t, const struct tttd_rec *parent,
	       const struct tttd_lm_prompt_opts *o, char **out, struct tttd_error *e)
{
	struct sb b = { 0 };
	char *ref = NULL, *src = NULL, *wrapped;
	const char *lang = tttd_lm_lang(t), *at;
	int *pc = xmalloc((t->ndec + 1) * sizeof(int)), root = 0;
	double target = o->target_us > 0 ? o->target_us : t->lm_target_us, tns;
	struct tttd_cand v;

	*out = NULL;
	if (t->reference && tttd_read_file(t->reference, &ref, NULL) < 0) {
		free(pc);
		return tttd_error_set(e, TTTD_EIO, "cannot read reference '%s':", t->reference);
	}
	if (tttd_task_choice_from_rec(t, parent, "decisions", pc, NULL) < 0)
		for (size_t d = 0; d < t->ndec; d++)
			pc[d] = -1;
	tttd_rec_get_bool(parent, "root", &root);
	tttd_cand_read(&v, parent);
	tns = v.time_ns;
	src = v.source; /* ours now */
	v.source = NULL;
	tttd_cand_release(&v);
	if (!src && t->lm_start)
		src = xstrdup(t->lm_start);

	sb_printf(&b, "# Task: %s\n", t->name);
	if (t->description)
		sb_block(&b, t->description);
	if (ref) {
		sb_printf(&b, "\n## Reference (every candidate is checked against it)\n```%s\n", lang);
		sb_block(&b, ref);
		sb_puts(&b, "```\n");
	}
	contract(&b, t, pc);
	if (o->hardware && *o->hardware)
		sb_printf(&b, "Hardware: %s.\n", o->hardware);

	sb_puts(&b, "\n## Current code\n");
	if (src) {
		sb_printf(&b, "```%s\n", lang);
		sb_block(&b, src);
		sb_puts(&b, "```\n");
		parent_time(&b, t, parent, tns);
	} else {
		sb_puts(&b, "No previous attempt has been made.\n");
	}
	sb_puts(&b, "\n## Goal\n");
	if (target > 0 && tns > 0)
		sb_printf(&b, "Target: %.2f us (the current code: %.2f us).  ", target, tns / 1e3);
	else if (target > 0)
		sb_printf(&b, "Target: %.2f us.  ", target);
	sb_puts(&b, src ? "Write a faster correct version.\n" : "Write a fast correct version.\n");
	if (t->lm_prompt)
		sb_block(&b, t->lm_prompt);
	sb_printf(&b, "Reply with the complete code in one ```%s block.\n", lang);

	if (o->wrap && (at = strstr(o->wrap, "{{PROMPT}}"))) {
		wrapped = xasprintf("%.*s%s%s", (int)(at - o->wrap), o->wrap, b.p, at + 10);
		free(b.p);
		b.p = wrapped;
		b.n = b.cap = strlen(wrapped);
	}
	if (o->prefill)
		sb_printf(&b, "```%s\n", lang);
	*out = b.p;
	free(ref);
	free(src);
	free(pc);
	(void)root;
	return TTTD_OK;
}

/* ---- extraction ---- */

static int
is_fence(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return strncmp(line, "```", 3) == 0;
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]))
			return 0;
	return 1;
}

int
tttd_lm_extract(const char *text, const char *finish, int prefill, char **code,
		struct tttd_error *e)
{
	const char *p = text, *open = NULL, *best = NULL;
	size_t bestn = 0;
	int truncated = finish && strcmp(finish, "length") == 0;

	*code = NULL;
	if (prefill && !is_fence(text)) {
		/* the prompt opened the block: the code runs to the first fence */
		for (p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
			if (is_fence(p))
				break;
		if (!*p && truncated)
			return tttd_error_set(e, TTTD_ENOENT,
					      "the completion ended (length) inside its code block");
		if (blank(text, (size_t)(p - text)))
			return tttd_error_set(e, TTTD_ENOENT, "empty code block in the completion");
		*code = xstrndup(text, (size_t)(p - text));
		return TTTD_OK;
	}
	/* the last complete fenced block */
	for (p = text; *p;) {
		const char *nl = strchr(p, '\n'), *next = nl ? nl + 1 : p + strlen(p);

		if (is_fence(p)) {
			if (!open) {
				open = next;
			} else {
				best = open;
				bestn = (size_t)(p - open);
				open = NULL;
			}
		}
		p = next;
	}
	if (!best)
		return tttd_error_set(e, TTTD_ENOENT,
				      open && truncated ? "the completion ended (length) inside its code block"
							: "no code block in the completion");
	if (blank(best, bestn))
		return tttd_error_set(e, TTTD_ENOENT, "empty code block in the completion");
	*code = xstrndup(best, bestn);
	return TTTD_OK;
}

/* ---- the contract ---- */

static int
ident_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does code use name as an identifier followed by '(' (a function's name)? */
static int
has_function(const char *code, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = strstr(code, name); p; p = strstr(p + 1, name)) {
		const char *q = p + n;

		if (p > code && ident_char(p[-1]))
			continue;
		if (ident_char(*q))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		if (*q == '(')
			return 1;
	}
	return 0;
}

/* Host API calls a CUDA candidate may not make: its host side is tttd's. */
static const char *const host_api[] = {
	/* clang-format off */
	"cudaMalloc", "cudaFree", "cudaMemcpy", "cudaMemset", "cudaStream", "cudaEvent",
	"cudaLaunch", "cudaDeviceSynchronize", "cudaGraph", "cudaSetDevice", "cuLaunch",
	"cuMem", "cuStream", "cuEvent",
	/* clang-format on */
};

int
tttd_lm_contract(const struct tttd_task *t, const char *code, const int *parent, int *choice,
		 struct tttd_error *e)
{
	unsigned flags = tttd_target_of(t)->flags;
	int cuda = (flags & TTTD_TARGET_DEVICE) != 0;
	const char *p;
	size_t i, d;

	for (i = 0; i < t->nlm_forbid; i++)
		if (strstr(code, t->lm_forbid[i]))
			return tttd_error_set(e, TTTD_EFORMAT, "contract: the code contains the forbidden '%s'",
					      t->lm_forbid[i]);
	if (cuda) {
		for (i = 0; i < sizeof(host_api) / sizeof(host_api[0]); i++)
			if (has_function(code, host_api[i]) || strstr(code, host_api[i]))
				return tttd_error_set(e, TTTD_EFORMAT,
						      "contract: host API '%s' in a candidate (device code only)",
						      host_api[i]);
		if (strstr(code, "int main") || has_function(code, "main"))
			return tttd_error_set(e, TTTD_EFORMAT, "contract: 'main' in a candidate (device code only)");
		for (i = 0; i < t->nlaunch; i++)
			if (t->launch[i].kind == TTTD_STEP_LAUNCH && !has_function(code, t->launch[i].kernel))
				return tttd_error_set(e, TTTD_EFORMAT,
						      "contract: the code does not define kernel '%s'",
						      t->launch[i].kernel);
		if (t->nlaunch && !strstr(code, "__global__"))
			return tttd_error_set(e, TTTD_EFORMAT, "contract: no __global__ kernel in the code");
	} else if (flags & TTTD_TARGET_HOST && !has_function(code, t->entry)) {
		return tttd_error_set(e, TTTD_EFORMAT, "contract: the code does not define '%s'", t->entry);
	}

	for (d = 0; d < t->ndec; d++)
		choice[d] = -1;
	/* #define NAME value, at the start of a line */
	for (p = code; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p, *name, *val, *end;
		char *nm, *v;
		int k, o;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '#')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "define", 6) != 0 || (q[6] != ' ' && q[6] != '\t'))
			continue;
		q += 6;
		while (*q == ' ' || *q == '\t')
			q++;
		for (name = q; ident_char(*q); q++)
			;
		if (q == name || *q == '(')
			continue; /* a function-like macro is not a setting */
		nm = xstrndup(name, (size_t)(q - name));
		k = tttd_task_decision_index(t, nm);
		if (k < 0 || !t->lm_settable[k] || choice[k] >= 0) {
			free(nm);
			continue; /* not a setting, or set already: the first line wins */
		}
		while (*q == ' ' || *q == '\t')
			q++;
		val = q;
		end = q + strcspn(q, "\n");
		/* a trailing comment is not part of the value */
		for (const char *c = val; c < end; c++)
			if (c[0] == '/' && (c[1] == '*' || c[1] == '/')) {
				end = c;
				break;
			}
		while (end > val && isspace((unsigned char)end[-1]))
			end--;
		v = xstrndup(val, (size_t)(end - val));
		if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
			memmove(v, v + 1, strlen(v) - 2);
			v[strlen(v) - 2] = '\0';
		}
		o = tttd_task_option_index(t, (size_t)k, v);
		if (o < 0) {
			struct {
				char buf[512];
				size_t n;
			} opts = { "", 0 };

			for (i = 0; i < t->dec[k].nopt && opts.n + 2 < sizeof(opts.buf); i++)
				opts.n += (size_t)snprintf(opts.buf + opts.n, sizeof(opts.buf) - opts.n,
							   "%s%s", i ? " " : "", t->dec[k].opt[i]);
			tttd_error_set(e, TTTD_EFORMAT,
				       "contract: '#define %s %s': not an option of %s (%s)", nm, v, nm,
				       opts.buf);
			free(nm);
			free(v);
			return TTTD_EFORMAT;
		}
		choice[k] = o;
		free(nm);
		free(v);
	}
	for (d = 0; d < t->ndec; d++)
		if (choice[d] < 0)
			choice[d] = parent && parent[d] >= 0 ? parent[d] : 0;
	if (t->ndec && !tttd_task_feasible(t, choice, t->ndec)) {
		for (i = 0; i < t->ncon; i++) {
			/* name the first constraint that fails on its own decisions */
			int *one = xmalloc((t->ndec + 1) * sizeof(int));
			int ok;

			memcpy(one, choice, t->ndec * sizeof(int));
			ok = tttd_task_feasible(t, one, (size_t)t->con[i].maxdec + 1);
			free(one);
			if (!ok)
				break;
		}
		return tttd_error_set(e, TTTD_EFORMAT, "contract: the settings break the constraint '%s'",
				      i < t->ncon ? t->con[i].text : "?");
	}
	return TTTD_OK;
}
