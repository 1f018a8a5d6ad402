/*
 * cpuref.h - a CUDA task's reference computed on the CPU: the C file its
 * "cpu_reference" line names (docs/task-format.md), compiled with the
 * system compiler into a shared object and called on host buffers.  It is
 * the oracle the task's GPU reference (ref.cu) is checked against at small
 * shapes (tests/gpu/ref_check.c, make test-gpu), as the CPU policy network
 * is the oracle for the cuBLAS one.
 *
 * The file defines void tttd_cpu_reference(void **buf, const long *dim)
 * (TTTD_CPU_REFERENCE_ENTRY): buf[i] is the task's i-th buffer in its
 * declared order, host memory of its dtype (bf16 and f16 as 16-bit words),
 * scratch buffers included; dim[] are the shape's dims in declared order.
 *
 * This module does not time, does not draw inputs (inputs.h) and does not
 * compare (tttd_compare); it never prints.
 */
#ifndef TTTD_CPUREF_H
#define TTTD_CPUREF_H

#include "backend.h"
#include "task.h"
#include "tttd.h"

struct tttd_cpuref {
	struct tttd_backend be; /* the CPU backend, which loads and calls it */
	void *kernel;           /* the loaded entry point */
};

/*
 * Compile t's cpu_reference with the C compiler cc (NULL: "cc") at -O2 and
 * load it.  t is borrowed and must outlive r.
 * @return TTTD_OK; TTTD_EINVAL when t has no cpu_reference; TTTD_ECOMPILE
 * with the compiler's first error line; TTTD_EIO or TTTD_EFORMAT otherwise.
 * On failure r needs no release.
 */
int tttd_cpuref_open(struct tttd_cpuref *r, const struct tttd_task *t, const char *cc,
		     struct tttd_error *e);
/*
 * Compute the outputs at shape s from host buffers buf (one per task
 * buffer, borrowed; scratch ones must be allocated too).  Synchronous.
 */
void tttd_cpuref_run(struct tttd_cpuref *r, const struct tttd_task *t, const struct tttd_shape *s,
		     void **buf);
/* Unload; accepts a zeroed struct. */
void tttd_cpuref_release(struct tttd_cpuref *r);

#endif
