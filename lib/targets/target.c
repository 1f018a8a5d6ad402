/*
 * target.c - the table of targets (target.h): "cpu", "cuda" and "model",
 * each with its compile target, backend, task checks and option list.  The
 * only file that compares target names, and the only one that knows which
 * targets this build has (the CUDA toolkit's presence is decided here, once).
 *
 * It holds no code of any target: the parts live in their own files
 * (compile_cpu.c, backend_cpu.c; compile.c's NVRTC adapter, backend_cuda.c;
 * model.c) and are only named here.
 */
#include <string.h>

#include "backend.h" /* defines: tttd_cpu_ops, tttd_cuda_ops */
#include "compile.h" /* defines: tttd_compile_cpu, tttd_compile_cuda, tttd_compile_model */
#include "model.h"   /* defines: tttd_model_bench */
#include "target.h"
#include "task.h"
#include "tensor.h" /* defines: tttd_tensor_cpu_ops, tttd_tensor_cuda_ops */

/* ---- task checks ---- */

/* A task whose candidates are code: a reference to check them against, no cost lines. */
static const char *
check_code(const struct tttd_task *t)
{
	if (t->cost || t->ref_cost || t->cost_table_path)
		return "'cost' lines are for model tasks";
	if (!t->reference)
		return "no 'reference' line";
	return NULL;
}

/* Lines that only a device target's task may have. */
static const char *
check_no_device_lines(const struct tttd_task *t)
{
	if (t->nlaunch || t->nref_launch)
		return "'launch' and 'gemm' lines are for cuda tasks";
	if (t->ntmap)
		return "'tensormap' lines are for cuda tasks";
	/* A host task's reference is C already. */
	if (t->cpu_reference)
		return "'cpu_reference' is for cuda tasks";
	return NULL;
}

static const char *
check_cpu(const struct tttd_task *t)
{
	const char *why = check_code(t);

	return why ? why : check_no_device_lines(t);
}

static const char *
check_cuda(const struct tttd_task *t)
{
	const char *why = check_code(t);

	if (!why && !t->nlaunch)
		why = "a cuda task needs at least one 'launch' or 'gemm' line";
	return why;
}

static const char *
check_model(const struct tttd_task *t)
{
	if (t->cost && t->cost_table_path)
		return "'cost' and 'cost_table' exclude each other";
	if ((!t->cost && !t->cost_table_path) || !t->ref_cost)
		return "a model task needs 'cost' (or 'cost_table') and 'ref_cost' lines";
	return check_no_device_lines(t);
}

/* ---- the table ---- */

#ifdef TTTD_HAVE_CUDA
#define CUDA_COMPILE (&tttd_compile_cuda)
#define CUDA_BACKEND (&tttd_cuda_ops)
#define CUDA_TENSOR (&tttd_tensor_cuda_ops)
#define CUDA_ABSENT NULL
#define CUDA_BACKEND_ABSENT NULL
#else
#define CUDA_COMPILE NULL
#define CUDA_BACKEND NULL
#define CUDA_TENSOR NULL
#define CUDA_ABSENT "cuda target not built"
#define CUDA_BACKEND_ABSENT "no CUDA device: tttd was built without the CUDA target"
#endif

/* In the order "auto" tries backends: the device when there is one, else the host. */
static const struct tttd_target targets[] = {
	{
		.name = "cuda",
		.flags = TTTD_TARGET_DEVICE,
		.lang = "cuda",
		.ext = "cu",
		.ref_options = "",
		.compile = CUDA_COMPILE,
		.backend = CUDA_BACKEND,
		.tensor = CUDA_TENSOR,
		.check_task = check_cuda,
		.options_refused = tttd_nvrtc_options_refused,
		.absent = CUDA_ABSENT,
		.backend_absent = CUDA_BACKEND_ABSENT,
	},
	{
		.name = "cpu",
		.flags = TTTD_TARGET_HOST,
		.lang = "c",
		.ext = "c",
		.ref_options = "-O2",
		.compile = &tttd_compile_cpu,
		.backend = &tttd_cpu_ops,
		.tensor = &tttd_tensor_cpu_ops,
		.check_task = check_cpu,
		.options_refused = tttd_cc_options_refused,
	},
	{
		/* Timed by an expression, to test search (model.h); nothing runs. */
		.name = "model",
		.lang = "c",
		.ext = "c",
		.ref_options = "",
		.compile = &tttd_compile_model,
		.evaluate = tttd_model_bench,
		.check_task = check_model,
	},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

const char *const tttd_target_backend_names[] = { "cpu", "cuda", "auto", NULL };

const struct tttd_target *
tttd_target_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < NTARGETS; i++)
		if (strcmp(targets[i].name, name) == 0)
			return &targets[i];
	return NULL;
}

const struct tttd_target *
tttd_target_of(const struct tttd_task *t)
{
	return tttd_target_find(t->target ? t->target : TTTD_TARGET_DEFAULT);
}

const struct tttd_target *
tttd_target_host(void)
{
	return tttd_target_find("cpu");
}

const struct tttd_target *
tttd_target_at(size_t i)
{
	return i < NTARGETS ? &targets[i] : NULL;
}
