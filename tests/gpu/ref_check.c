/*
 * ref_check.c - the GPU references checked against the CPU ones: for each
 * CUDA task named on the command line, its ref.cu (the reference tttd-bench
 * times and checks every candidate against) runs on the device at the task's
 * small check shapes, and its cpu_reference (lib/bench/cpuref.h) runs on the same
 * inputs on the CPU; every output element must agree within the task's
 * tolerance.  Inputs are drawn on the host (tttd_inputs_generate, with each
 * shape's input settings) and copied up, so both sides see the same bytes.
 * One line per (task, shape), then PASS or FAIL.  Exit 0 on PASS, 1 on FAIL,
 * 2 when no GPU can be used.
 *
 *   ref_check [--max-elems n] task ...
 *
 * A check shape is used when its buffers hold at most n elements in all
 * (default 2097152), which keeps the CPU side to seconds; a task whose
 * shapes are all larger uses its smallest one.
 *
 * Build (after `make CUDA=1`; tests/gpu/run.sh does this):
 *   cc -std=c11 -D_GNU_SOURCE -DTTTD_HAVE_CUDA -Ilib/core -Ilib/... (each folder of lib/) -I/usr/local/cuda/include \
 *      -o build/ref_check tests/gpu/ref_check.c build/libtttd.a \
 *      -L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 \
 *      -lnvrtc -lcudart -lcublas -lmsgpackc -lzstd -ljansson -lcurl -lsqlite3 -lm -lpthread -ldl
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>

#include "backend.h"
#include "compile.h"
#include "cpuref.h"
#include "backend_cuda.h" /* defines: tttd_cuda_arch */
#include "inputs.h"
#include "task.h"

static size_t
total_elems(const struct tttd_task *t, const struct tttd_shape *s)
{
	struct tttd_inputs in;
	struct tttd_error e = { 0 };
	size_t i, n = 0;

	if (tttd_inputs_sizes(&in, t, s, &e) < 0)
		return (size_t)-1;
	for (i = 0; i < in.nbuf; i++)
		if (t->buf[i].role != TTTD_BUF_SCRATCH)
			n += in.count[i];
	tttd_inputs_release(&in);
	return n;
}

static void
shape_text(const struct tttd_task *t, const struct tttd_shape *s, char *buf, size_t n)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < t->ndim && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%ld", i ? "x" : "", s->dim[i]);
}

/*
 * One shape: draw inputs, run both references, compare the outputs.
 * @return 0 agree, 1 disagree, -1 could not run (e is set).
 */
static int
check_shape(struct tttd_backend *be, void *kernel, struct tttd_cpuref *cref,
	    const struct tttd_task *t, size_t si, struct tttd_error *e)
{
	const struct tttd_shape *s = &t->check[si];
	struct tttd_inputs in;
	struct tttd_cmp c;
	void **dev = NULL, **host = NULL, **got = NULL;
	int *choice = NULL, rc = -1;
	char shape[128];
	size_t i;

	memset(&c, 0, sizeof(c));
	if (tttd_inputs_init(&in, t, s, e) < 0)
		return -1;
	tttd_inputs_generate(&in, t, 1000 + si);
	dev = calloc(in.nbuf, sizeof(*dev));
	host = calloc(in.nbuf, sizeof(*host));
	got = calloc(in.nbuf, sizeof(*got));
	choice = calloc(t->ndec + 1, sizeof(*choice)); /* the ref's plan reads dims only */
	if (!dev || !host || !got || !choice) {
		tttd_error_set(e, TTTD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < in.nbuf; i++) {
		size_t bytes = in.bytes[i] ? in.bytes[i] : 1;

		host[i] = in.host[i] ? in.host[i] : calloc(1, bytes); /* scratch: the CPU's own */
		if (t->buf[i].role == TTTD_BUF_OUT)
			got[i] = malloc(bytes);
		if (!host[i] || (t->buf[i].role == TTTD_BUF_OUT && !got[i])) {
			tttd_error_set(e, TTTD_ENOMEM, "out of memory");
			goto out;
		}
		if (be->ops->alloc(be, bytes, &dev[i], e) < 0)
			goto out;
		if (t->buf[i].role == TTTD_BUF_IN &&
		    cudaMemcpy(dev[i], host[i], in.bytes[i], cudaMemcpyHostToDevice) != cudaSuccess) {
			tttd_error_set(e, TTTD_EGPU, "cannot copy buffer '%s' to the device",
				       t->buf[i].name);
			goto out;
		}
		if (t->buf[i].role == TTTD_BUF_OUT &&
		    be->ops->poison(be, dev[i], t->buf[i].dtype, in.count[i], e) < 0)
			goto out;
	}
	if (be->ops->run(be, kernel, t, s, choice, dev, e) < 0 || be->ops->sync(be, e) < 0)
		goto out;
	for (i = 0; i < in.nbuf; i++)
		if (t->buf[i].role == TTTD_BUF_OUT &&
		    cudaMemcpy(got[i], dev[i], in.bytes[i], cudaMemcpyDeviceToHost) != cudaSuccess) {
			tttd_error_set(e, TTTD_EGPU, "cannot copy buffer '%s' from the device",
				       t->buf[i].name);
			goto out;
		}
	/* The CPU writes over the host outputs, poisoned by tttd_inputs_generate. */
	tttd_cpuref_run(cref, t, s, host);
	for (i = 0; i < in.nbuf; i++)
		if (t->buf[i].role == TTTD_BUF_OUT)
			tttd_compare(&c, t->buf[i].dtype, got[i], host[i], in.count[i], t->rtol,
				     t->atol);
	shape_text(t, s, shape, sizeof(shape));
	printf("%-14s %-16s %10zu %8zu %11.3g %11.3g  %s\n", t->name, shape, c.checked, c.bad,
	       c.max_abs, c.max_rel, c.bad || !c.checked ? "FAIL" : "ok");
	if (c.has_first && c.bad)
		printf("  first bad element %zu: gpu %.9g cpu %.9g\n", c.first, c.first_got,
		       c.first_want);
	rc = c.bad || !c.checked;
out:
	for (i = 0; dev && i < in.nbuf; i++) {
		if (dev[i])
			be->ops->free(be, dev[i]);
		if (host && host[i] && !in.host[i])
			free(host[i]);
		if (got)
			free(got[i]);
	}
	free(dev);
	free(host);
	free(got);
	free(choice);
	tttd_inputs_release(&in);
	return rc;
}

/* @return 0 all shapes agree, 1 some disagree, -1 could not run. */
static int
check_task(struct tttd_backend *be, const char *name, size_t max_elems)
{
	struct tttd_error e = { 0 };
	struct tttd_task *t = NULL;
	struct tttd_compile_opts co = { 0 };
	struct tttd_compile_in ci = { 0 };
	struct tttd_compile_out out;
	struct tttd_cpuref cref;
	const struct tttd_compile_target *tgt = tttd_compile_target_find("cuda");
	void *kernel = NULL;
	char arch[32], *src = NULL;
	size_t len, i, smallest = 0, used = 0;
	int rc = -1, r, worst = 0;

	memset(&cref, 0, sizeof(cref));
	tttd_compile_out_init(&out);
	if (tttd_task_load(&t, name, &e) < 0)
		goto out;
	if (strcmp(t->target, "cuda") != 0 || !t->cpu_reference) {
		tttd_error_set(&e, TTTD_EINVAL, "task '%s': not a cuda task with a cpu_reference",
			       t->name);
		goto out;
	}
	if (tttd_cpuref_open(&cref, t, NULL, &e) < 0)
		goto out;
	if (tttd_read_file(t->reference, &src, &len) < 0) {
		tttd_error_set(&e, TTTD_EIO, "cannot read '%s':", t->reference);
		goto out;
	}
	tttd_cuda_arch(be, arch, sizeof(arch));
	co.jobs = 1;
	co.arch = arch;
	ci.source = src;
	ci.source_len = len;
	ci.options = t->ref_cflags;
	ci.arch = arch;
	if (!tgt) {
		tttd_error_set(&e, TTTD_ENODEV, "cuda target not built");
		goto out;
	}
	if (tgt->compile(&co, &ci, &out, &e) < 0)
		goto out;
	if (!out.ok) {
		tttd_error_set(&e, TTTD_ECOMPILE, "'%s' does not compile: %s", t->reference,
			       out.reason ? out.reason : "");
		goto out;
	}
	if (be->ops->load(be, t, out.object, out.object_len, t->ref_entry, &kernel, &e) < 0)
		goto out;
	for (i = 0; i < t->ncheck; i++)
		if (total_elems(t, &t->check[i]) < total_elems(t, &t->check[smallest]))
			smallest = i;
	for (i = 0; i < t->ncheck; i++) {
		if (total_elems(t, &t->check[i]) > max_elems && i != smallest)
			continue;
		used++;
		r = check_shape(be, kernel, &cref, t, i, &e);
		if (r < 0)
			goto out;
		worst |= r;
	}
	rc = worst;
out:
	if (rc < 0)
		printf("%-14s error: %s\n", t ? t->name : name, e.msg);
	else if (!used)
		printf("%-14s no shape\n", t->name);
	if (kernel)
		be->ops->unload(be, kernel);
	tttd_cpuref_release(&cref);
	tttd_compile_out_release(&out);
	free(src);
	tttd_task_free(t);
	return rc;
}

int
main(int argc, char **argv)
{
	struct tttd_backend be;
	struct tttd_error e = { 0 };
	size_t max_elems = 2097152;
	int i = 1, fail = 0;

	if (argc > 2 && strcmp(argv[1], "--max-elems") == 0) {
		max_elems = strtoul(argv[2], NULL, 10);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: ref_check [--max-elems n] task ...\n");
		return 2;
	}
	memset(&be, 0, sizeof(be));
	if (tttd_backend_open(&be, "cuda", 0, &e) < 0) {
		fprintf(stderr, "ref_check: %s\n", e.msg);
		return 2;
	}
	printf("%-14s %-16s %10s %8s %11s %11s  %s\n", "task", "shape", "elements", "bad",
	       "max_abs", "max_rel", "");
	for (; i < argc; i++)
		fail |= check_task(&be, argv[i], max_elems) != 0;
	tttd_backend_close(&be);
	printf("ref_check: %s\n", fail ? "FAIL" : "PASS");
	return fail;
}
