/*
 * backend.c - choosing a backend by name from the table of those built.
 * The table is fixed at compile time (the CUDA backend exists only when the
 * toolkit was found); nothing is loaded at run time.  This file does not
 * know how any backend works.
 */
#include <string.h>

#include "backend.h"

static const struct tttd_backend_ops *const backends[] = {
#ifdef TTTD_HAVE_CUDA
	&tttd_cuda_ops,
#endif
	&tttd_cpu_ops,
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

static int
open_ops(struct tttd_backend *b, const struct tttd_backend_ops *ops, int device,
	 struct tttd_error *e)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->ops = ops;
	b->device = device;
	r = ops->open(b, device, e);
	if (r < 0)
		memset(b, 0, sizeof(*b));
	return r;
}

int
tttd_backend_open(struct tttd_backend *b, const char *name, int device, struct tttd_error *e)
{
	size_t i;

	if (strcmp(name, "auto") == 0) {
		/* The first in table order that opens: CUDA if built and present, else the CPU. */
		struct tttd_error ignored;

		for (i = 0; i < NBACKENDS; i++)
			if (open_ops(b, backends[i], device, &ignored) == TTTD_OK)
				return TTTD_OK;
		return tttd_error_set(e, TTTD_ENODEV, "no backend could be opened: %s",
				      ignored.msg);
	}
	for (i = 0; i < NBACKENDS; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return open_ops(b, backends[i], device, e);
	if (strcmp(name, "cuda") == 0)
		return tttd_error_set(e, TTTD_ENODEV,
				      "no CUDA device: tttd was built without the CUDA target");
	return tttd_error_set(e, TTTD_EINVAL, "unknown backend '%s'", name);
}

void
tttd_backend_close(struct tttd_backend *b)
{
	if (b->ops && b->ops->close)
		b->ops->close(b);
	memset(b, 0, sizeof(*b));
}
