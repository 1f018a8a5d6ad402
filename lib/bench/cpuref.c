/*
 * cpuref.c - a CUDA task's cpu_reference compiled and called on the CPU
 * (cpuref.h).  The compile goes through the cpu compile target and the call
 * through the cpu backend, so the object is built and loaded exactly as a
 * cpu task's reference is; nothing here is sandboxed, because the file is
 * the task author's trusted code, like ref.cu.
 */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "cpuref.h"
#include "target.h" /* defines: tttd_target_host */

int
tttd_cpuref_open(struct tttd_cpuref *r, const struct tttd_task *t, const char *cc,
		 struct tttd_error *e)
{
	struct tttd_compile_opts co = { 0 };
	struct tttd_compile_in ci = { 0 };
	struct tttd_compile_out out;
	char *src = NULL;
	size_t len;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!t->cpu_reference)
		return tttd_error_set(e, TTTD_EINVAL, "task '%s' has no cpu_reference", t->name);
	if (tttd_read_file(t->cpu_reference, &src, &len) < 0)
		return tttd_error_set(e, TTTD_EIO, "cannot read cpu_reference '%s':",
				      t->cpu_reference);
	co.jobs = 1;
	co.cc = cc ? cc : "cc";
	ci.source = src;
	ci.source_len = len;
	ci.options = "-O2";
	ci.arch = "";
	tttd_compile_out_init(&out);
	rc = tttd_target_host()->compile->compile(&co, &ci, &out, e);
	if (rc == TTTD_OK && !out.ok)
		rc = tttd_error_set(e, TTTD_ECOMPILE, "cpu_reference '%s' does not compile: %s",
				    t->cpu_reference, out.reason ? out.reason : "(no message)");
	if (rc == TTTD_OK)
		rc = tttd_backend_open(&r->be, tttd_target_host()->name, 0, e);
	if (rc == TTTD_OK) {
		rc = r->be.ops->load(&r->be, t, out.object, out.object_len,
				     TTTD_CPU_REFERENCE_ENTRY, &r->kernel, e);
		if (rc < 0)
			tttd_backend_close(&r->be);
	}
	if (rc < 0) {
		tttd_error_prefix(e, "task '%s'", t->name);
		memset(r, 0, sizeof(*r));
	}
	tttd_compile_out_release(&out);
	free(src);
	return rc;
}

void
tttd_cpuref_run(struct tttd_cpuref *r, const struct tttd_task *t, const struct tttd_shape *s,
		void **buf)
{
	struct tttd_error e = { 0 };

	/* The CPU backend's run calls the entry and cannot fail. */
	r->be.ops->run(&r->be, r->kernel, t, s, NULL, buf, &e);
}

void
tttd_cpuref_release(struct tttd_cpuref *r)
{
	if (!r || !r->be.ops)
		return;
	r->be.ops->unload(&r->be, r->kernel);
	r->kernel = NULL;
	tttd_backend_close(&r->be);
}
