/*
 * target.h - the table of targets: one struct for each place a candidate can
 * be meant for ("cpu", "cuda", "model"), holding everything the rest of tttd
 * needs to know about it: how its sources compile, the backend that runs
 * them (with its optional extras: measured peaks, builtin baselines, the
 * device's architecture), what a task of the target must and must not say,
 * and a few facts (host code or device code, source language).
 *
 * Target names are compared here and nowhere else: code elsewhere finds the
 * struct (tttd_target_find, tttd_target_of) and asks it.  Adding a target
 * is adding an entry to the table in target.c.
 *
 * A target known to tttd may be absent from a build (CUDA without the
 * toolkit): its entry is there, with compile and backend NULL and the
 * reason in absent, so that a task or candidate naming it gets that reason
 * rather than "unknown target".
 */
#ifndef TTTD_TARGET_H
#define TTTD_TARGET_H

#include <stddef.h>

#include "tttd.h"

struct tttd_task;
struct tttd_rec;
struct tttd_compile_target;
struct tttd_backend_ops;
struct tttd_tensor_ops;

/* The default of a task with no "target" line, and of a record with no "target" key. */
#define TTTD_TARGET_DEFAULT "cpu"

enum tttd_target_flags {
	/*
	 * Candidates are host code run on this machine's CPU: they run in a
	 * sandbox with a memory limit, their objects depend on the machine
	 * (the cache key's architecture), they need no --arch, and a
	 * model-written one must define the task's entry.
	 */
	TTTD_TARGET_HOST = 1 << 0,
	/*
	 * Candidates are GPU kernels: their tasks have a launch plan ("launch",
	 * "gemm", "tensormap" lines) and may name a cpu_reference; a
	 * model-written candidate is device code only.
	 */
	TTTD_TARGET_DEVICE = 1 << 1,
};

struct tttd_target {
	const char *name; /* the task's "target" line and the record's "target" key */
	unsigned flags;   /* enum tttd_target_flags */
	const char *lang; /* fence language of a model-written candidate: "c", "cuda" */
	const char *ext;  /* extension of a candidate's source file: "c", "cu" */
	/* Options the reference is compiled with when the task names none. */
	const char *ref_options;
	/* Compiles a candidate's source (compile.h); NULL when not built. */
	const struct tttd_compile_target *compile;
	/* Runs compiled candidates in a bench worker (backend.h); NULL when not built or none. */
	const struct tttd_backend_ops *backend;
	/* Runs the policy network's dense operations (tensor.h); NULL when not built or none. */
	const struct tttd_tensor_ops *tensor;
	/*
	 * A target whose candidates are not run but evaluated in the calling
	 * process (model.h): set the keys a bench sets on candidate r of task t.
	 * NULL for targets that run code.
	 */
	int (*evaluate)(const struct tttd_task *t, struct tttd_rec *r, struct tttd_error *e);
	/*
	 * What a task of this target must or must not say, checked once its
	 * lines are read: NULL if it is fine, else the message (static).
	 */
	const char *(*check_task)(const struct tttd_task *t);
	/*
	 * NULL if every whitespace-separated word of options is one this
	 * target's compiler takes from a candidate (compile_flags.c), else the
	 * reason, which the caller frees.  NULL member: nothing is compiled.
	 */
	char *(*options_refused)(const char *options);
	/*
	 * Why compile is missing in this build (a candidate's reason: "cuda
	 * target not built"), and why backend is (an error: "no CUDA device:
	 * ..."); NULL when built.
	 */
	const char *absent, *backend_absent;
};

/* The target called name, built or not; NULL if tttd knows none by that name. */
const struct tttd_target *tttd_target_find(const char *name);
/* Task t's target (the default when t->target is NULL); NULL if unknown. */
const struct tttd_target *tttd_target_of(const struct tttd_task *t);
/* The target whose candidates run on the host CPU (the oracle's target). */
const struct tttd_target *tttd_target_host(void);
/*
 * The i-th target in the order "auto" tries backends (device first, then
 * the host), NULL past the last.
 */
const struct tttd_target *tttd_target_at(size_t i);

/* The values --backend takes: every target with a backend, and "auto"; NULL-terminated. */
extern const char *const tttd_target_backend_names[];

#endif
