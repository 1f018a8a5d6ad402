/*
 * task.h - a task: what a kernel must compute and the space of
 * implementations the policy may choose from.
 *
 * A task is a folder kernels/<name>/ holding a file named "task" (the
 * description, line based, documented in docs/task-format.md), the trusted
 * reference source and the candidate template.  Parsing errors name the file
 * and line: "kernels/mm/task:12: unknown decision 'BX' in constraint".
 *
 * Decisions are ordered finite domains of option strings ("16", "ikj").  A
 * choice is an array of option indices, one per decision, in file order.
 * Constraints are integer expressions over decision values and dims; a choice
 * is feasible when every constraint is non-zero.  Rendering turns a choice
 * into source: a header of #defines (NAME value; and NAME_value 1 for
 * options that are identifiers) followed by the template with {{NAME}}
 * replaced by the option text.
 *
 * This module does not compile or run anything.
 */
#ifndef TTTD_TASK_H
#define TTTD_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "tttd.h"

#define TTTD_MAX_DIMS 8

struct tttd_expr; /* a parsed expression (expr.h) */

struct tttd_decision {
	char *name;
	char **opt; /* option strings */
	size_t nopt;
	int line; /* where it was declared */
};

struct tttd_constraint {
	char *text;
	struct tttd_expr *expr;
	int line;
	int maxdec; /* highest decision index it mentions (-1: none); set at load */
};

/* clang-format off */
enum tttd_dtype { TTTD_F32, TTTD_F64, TTTD_I32, TTTD_BF16, TTTD_F16 };
/* clang-format on */
enum tttd_dist {
	TTTD_DIST_NORMAL,
	TTTD_DIST_UNIFORM,
	TTTD_DIST_CAUCHY,
	TTTD_DIST_MASK01,
	TTTD_DIST_CONST /* every element = scale (any value, 0 included) */
};

/* clang-format off */
enum tttd_buf_role { TTTD_BUF_IN, TTTD_BUF_OUT, TTTD_BUF_SCRATCH };
/* clang-format on */

struct tttd_buffer {
	char *name;
	enum tttd_buf_role role; /* scratch: device workspace, neither generated nor checked */
	enum tttd_dtype dtype;
	struct tttd_expr *count; /* elements, in terms of dims */
	char *count_text;
	enum tttd_dist dist; /* inputs only */
	double dist_scale;   /* stddev / half-range / Cauchy scale; mask01: P(1), default 0.5; const: the value */
};

/* clang-format off */
enum tttd_step_kind { TTTD_STEP_LAUNCH, TTTD_STEP_GEMM };
/* clang-format on */

/*
 * A cuBLAS GEMM step (docs/task-format.md, "Plan steps"): row-major
 * C_i = alpha op(A_i) op(B_i) + beta C_i over batch i.  Expressions are over
 * dims and decisions; NULL means the default (lda.. : the row length;
 * stride_*: the matrix size; off_*: 0; batch: 1).
 */
struct tttd_gemm_spec {
	int a, b, c; /* buffer indices */
	struct tttd_expr *m, *n, *k, *batch;
	struct tttd_expr *lda, *ldb, *ldc;
	struct tttd_expr *stride_a, *stride_b, *stride_c;
	struct tttd_expr *off_a, *off_b, *off_c;
	double alpha, beta;
	int transa, transb, tf32;
};

/*
 * A TMA tensor map over a buffer ("tensormap" line, docs/task-format.md):
 * the buffer read as a row-major rows x cols matrix of its dtype, row stride
 * ld elements, from element off, in boxes of box_rows x box_cols elements
 * that land in shared memory swizzled by swizzle bytes (0, 32, 64, 128).
 * Expressions over dims and decisions; ld (default cols), off (0) and
 * swizzle (0) may be NULL.  lib/tasks/tmap.h checks one against a shape.
 */
struct tttd_tmap_spec {
	char *name;
	int buf; /* buffer index */
	struct tttd_expr *rows, *cols, *ld, *off, *box_rows, *box_cols, *swizzle;
	int line;
};

#define TTTD_MAX_LAUNCH_TMAPS 4

/*
 * One step of a CUDA plan: a kernel launch (grid, block and dynamic shared
 * memory are expressions over dims and decisions; every launch receives the
 * buffers in order, then each dim as a long, then the tensor maps it names,
 * by value) or a cuBLAS GEMM.  A step with a `when` expression runs only
 * where it is non-zero.  A launch with cluster dims runs as a cluster launch;
 * a persistent one has its grid x lowered to the blocks that fit on the
 * device at once (lib/backends/cuda_tma.c).
 */
struct tttd_launch_spec {
	enum tttd_step_kind kind;
	char *kernel;                                /* launch: symbol in the candidate (extern "C"); gemm: "cublas_gemm" */
	struct tttd_expr *grid[3], *block[3], *smem; /* launch; smem may be NULL (0) */
	struct tttd_expr *cluster[3];                /* launch; NULL: no cluster launch */
	int persistent;                              /* launch: grid x capped at what fits at once */
	int tmap[TTTD_MAX_LAUNCH_TMAPS];             /* launch: tensor map indices, in argument order */
	int ntmap;
	struct tttd_gemm_spec gemm; /* gemm */
	struct tttd_expr *when;     /* NULL: always */
	int line;
};

/* Does launch l need more than a plain cudaLaunchKernel (cluster, persistent grid, tensor maps)? */
#define TTTD_LAUNCH_IS_EXT(l) ((l)->cluster[0] || (l)->persistent || (l)->ntmap)

/* One per-shape input setting: buffer buf (an input) draws from dist/scale. */
struct tttd_shape_input {
	int buf;  /* buffer index, or -1: every input buffer */
	int dist; /* enum tttd_dist */
	double scale;
};

#define TTTD_MAX_SHAPE_INPUTS 8

struct tttd_shape {
	long dim[TTTD_MAX_DIMS];
};

/*
 * The input settings of one task shape ("x=cauchy:2").  They live beside the
 * shapes (t->check_inputs[i] belongs to t->check[i]) rather than inside
 * struct tttd_shape, so a shape stays a plain array of dims.
 */
struct tttd_shape_inputs {
	int n;
	struct tttd_shape_input in[TTTD_MAX_SHAPE_INPUTS];
};


/* The symbol a task's cpu_reference file defines: void f(void **buf, const long *dim). */
#define TTTD_CPU_REFERENCE_ENTRY "tttd_cpu_reference"

struct tttd_task {
	char *name;      /* "matmul" */
	char *dir;       /* the folder it was loaded from */
	char *target;    /* "cpu" or "cuda" */
	char *entry;     /* candidate entry symbol, default "tttd_kernel" */
	char *ref_entry; /* reference entry symbol, default "tttd_reference" */
	char *reference; /* path of the reference source (inside dir): C for cpu, CUDA C for cuda */
	/*
	 * CUDA tasks: path of the same reference in C, computed on the CPU
	 * ("cpu_reference"; entry TTTD_CPU_REFERENCE_ENTRY, called like a cpu
	 * task's reference), against which the GPU reference is checked at small
	 * shapes (lib/bench/cpuref.h, tests/gpu/ref_check.c); NULL if none.
	 */
	char *cpu_reference;
	char *baseline; /* optional builtin baseline timed beside the candidate ("cublas_gemm"), or NULL */
	char *template_path;
	char *template_text; /* the template, loaded */
	char *cflags;        /* compile flags (may contain {{NAME}}) */
	char *ref_cflags;    /* compile flags for the reference */
	char *dim_name[TTTD_MAX_DIMS];
	size_t ndim;
	struct tttd_shape *bench; /* timing shapes */
	size_t nbench;
	struct tttd_shape *check; /* correctness shapes */
	size_t ncheck;
	struct tttd_shape_inputs *bench_inputs, *check_inputs; /* per shape, parallel to bench/check */
	struct tttd_buffer *buf;
	size_t nbuf;
	double rtol, atol;
	struct tttd_expr *flops; /* may be NULL */
	struct tttd_expr *bytes; /* may be NULL */
	double reward_scale;     /* reward = reward_scale / time_us; default 1000 */
	struct tttd_decision *dec;
	size_t ndec;
	struct tttd_constraint *con;
	size_t ncon;
	/*
	 * The "model" target: no code runs; a candidate's time in ns at a bench
	 * shape is the expression cost over dims and decisions, the reference's is
	 * ref_cost.  It gives search tests a deterministic landscape whose optimum
	 * is known; it is never used to report kernel speed.
	 */
	struct tttd_expr *cost, *ref_cost;
	/*
	 * Or, instead of cost, a table of times measured once ("cost_table
	 * FILE"): its rows only, sorted by the choice's mixed-radix index over
	 * the decisions' option indices (cost_table_key), each with its time
	 * (cost_table, 0 for a row marking a failure); a choice with no row
	 * fails.  Sparse, because a real space's product of options runs to
	 * tens of millions (kernels/gemm: 19.9 million, 6288 feasible) while
	 * only measured rows exist.  It replays a real task's measured
	 * landscape (bench/space-sweep.sh, bench/gemm-landscape.sh) so search
	 * strategies can be compared on the CPU.
	 */
	char *cost_table_path;
	uint64_t *cost_table_key;
	double *cost_table;
	size_t cost_table_len;
	struct tttd_launch_spec *launch; /* CUDA tasks: the plan ("launch" and "gemm"), in order */
	size_t nlaunch;
	struct tttd_launch_spec *ref_launch; /* CUDA tasks: the reference's plan ("ref_launch", "ref_gemm") */
	size_t nref_launch;
	struct tttd_tmap_spec *tmap; /* CUDA tasks: tensor maps the launches may pass ("tensormap") */
	size_t ntmap;
	char *description; /* the "about" lines, joined */
	/*
	 * What a language model is told beyond what the lines above say
	 * (docs/lm.md): lm_prompt, extra guidance text; lm_start, the code of
	 * the initial state (NULL: the model starts from nothing); lm_target_us,
	 * the time to aim for (0: none given); lm_forbid, words a model-written
	 * candidate may not contain (a contract breach).
	 */
	char *lm_prompt_path, *lm_prompt;
	char *lm_start_path, *lm_start;
	double lm_target_us;
	char **lm_forbid;
	size_t nlm_forbid;
	/*
	 * lm_settable[d]: may a model-written candidate set decision d with a
	 * #define (the "lm_sets" line; every decision when there is none)?  The
	 * others keep the parent's option (or the first) and are not shown.
	 */
	char *lm_settable;
	char **lm_sets_names; /* as written, resolved at load */
	size_t nlm_sets;
	int lm_sets_line; /* 0: no lm_sets line */
};

/*
 * Load a task from a folder path, or from a bare name looked up as
 * ./kernels/<name>, then <bin>/../share/tttd/kernels/<name> and
 * <bin>/../kernels/<name>, <bin> being the running tool's folder.
 * @return TTTD_OK or TTTD_ENOENT / TTTD_EFORMAT / TTTD_EIO with "file:line: ..." in e.
 * The task is heap-allocated; free it with tttd_task_free (accepts NULL).
 */
int tttd_task_load(struct tttd_task **out, const char *path_or_name, struct tttd_error *e);
void tttd_task_free(struct tttd_task *t);

/*
 * Replace t's bench shapes by those of spec, the user's own sizes (--shape):
 * one positive integer per dim in the order of the task's dims line, joined
 * by 'x' ("512x512x512"), several shapes joined by ','.  The new shapes have
 * no per-shape input settings (each buffer draws as its buffer line says).
 * Correctness is still checked at the check shapes and at these.
 * @return TTTD_OK, or TTTD_EINVAL naming the task's dims; t is unchanged then.
 */
int tttd_task_set_bench_shapes(struct tttd_task *t, const char *spec, struct tttd_error *e);

/* Index of the decision called name, or -1. */
int tttd_task_decision_index(const struct tttd_task *t, const char *name);
/* Index of option text in decision d, or -1. */
int tttd_task_option_index(const struct tttd_task *t, size_t d, const char *text);

/*
 * Is the partial choice feasible?  choice[0..upto) are set; constraints that
 * mention a decision at index >= upto are skipped (not yet decidable).
 * Pass upto = t->ndec for a full check.  @return 1 feasible, 0 not.
 */
int tttd_task_feasible(const struct tttd_task *t, const int *choice, size_t upto);

/*
 * The first constraint a full choice violates: its index in t->con (the
 * constraint's text and line are there), or -1 when the choice is feasible.
 */
int tttd_task_violated(const struct tttd_task *t, const int *choice);

/* Render the source for a full choice (newly allocated). */
char *tttd_task_render(const struct tttd_task *t, const int *choice);
/* Render the compile flags for a full choice (newly allocated). */
char *tttd_task_render_cflags(const struct tttd_task *t, const int *choice);

/*
 * The content id of a candidate (docs/internals.md): SHA-256 over the task
 * name, target, cflags, source, then "name=value" of each decision in task
 * order; the first 128 bits in hex.  Every tool that makes candidates calls
 * this, so that the same candidate gets the same id whoever proposed it.
 */
void tttd_task_candidate_id(const struct tttd_task *t, const char *source, const char *cflags,
			    const int *choice, char id[33]);

/*
 * Map a decisions map (names -> option text, e.g. from a record) onto a choice
 * array.  Missing decisions get -1.  @return TTTD_OK, or TTTD_EFORMAT naming
 * an unknown decision or option.
 */
int tttd_task_choice_from_map(const struct tttd_task *t, char **keys, char **vals, size_t n,
			      int *choice, struct tttd_error *e);

/*
 * The same for the decisions map under key of record r.  @return 1 when r
 * has the map, 0 when it lacks key (choice all -1), TTTD_EFORMAT when the
 * value is not a map of strings ("'<key>' is not a map of strings") or names
 * an unknown decision or option.
 */
struct tttd_rec;
int tttd_task_choice_from_rec(const struct tttd_task *t, const struct tttd_rec *r, const char *key,
			      int *choice, struct tttd_error *e);

/*
 * Clear out and fill it with a new candidate of choice, in schema order: v
 * kind id task target step parent group decisions parent_decisions (pdec:
 * the parent's packed decisions map, or NULL for an empty one) source
 * cflags.  Each generating tool then adds what only it knows (logp, policy,
 * seed, tool, status).
 */
void tttd_task_candidate_rec(const struct tttd_task *t, const int *choice, int64_t step,
			     const char *parent, const char *group, const void *pdec,
			     size_t pdec_len, struct tttd_rec *out);
/*
 * The same for a candidate whose source was written, not rendered (a
 * language model's): source is used as given, cflags are rendered from
 * choice, and the id covers both (tttd_task_candidate_id).
 */
void tttd_task_candidate_rec_src(const struct tttd_task *t, const int *choice, const char *source,
				 int64_t step, const char *parent, const char *group,
				 const void *pdec, size_t pdec_len, struct tttd_rec *out);

/*
 * Draws of one child at most before a repeat is kept, in tttd-generate and
 * tttd-mutate alike (the space near a parent may be exhausted).
 */
#define TTTD_MAX_REDRAWS 64

/* Is full choice c equal to one of the k choices stored one after another (ndec ints each) in list? */
int tttd_task_choice_in(const struct tttd_task *t, const int *c, const int *list, size_t k);

/*
 * A model task's time in ns for a full choice at bench shape s: the cost
 * expression, or the cost table's entry.  <= 0 marks a failing choice.
 */
double tttd_task_model_cost(const struct tttd_task *t, const struct tttd_shape *s, const int *choice);

/* Evaluate a size expression at a shape (dims only). */
long tttd_task_eval_shape(const struct tttd_task *t, const struct tttd_expr *x,
			  const struct tttd_shape *s);
/*
 * Evaluate an expression over dims (at shape s) and decisions (choice, may be
 * NULL when the expression uses dims only).  Unknown names evaluate the whole
 * expression to -1.
 */
long tttd_task_eval(const struct tttd_task *t, const struct tttd_expr *x, const struct tttd_shape *s,
		    const int *choice);
size_t tttd_dtype_size(enum tttd_dtype d);

/*
 * The input settings of shape s, which must point into t->check or t->bench
 * (a shape from anywhere else has none): NULL when it has none.
 */
const struct tttd_shape_inputs *tttd_shape_inputs(const struct tttd_task *t,
						  const struct tttd_shape *s);
/*
 * The distribution and scale buffer i of t draws from under settings si
 * (NULL: the buffer line's): a named setting wins over a "*" one.
 */
void tttd_shape_dist(const struct tttd_task *t, const struct tttd_shape_inputs *si, size_t i,
		     int *dist, double *scale);
/* Does step l run at shape s under choice (its `when`, if any, is non-zero)? */
int tttd_step_runs(const struct tttd_task *t, const struct tttd_launch_spec *l,
		   const struct tttd_shape *s, const int *choice);

#endif
