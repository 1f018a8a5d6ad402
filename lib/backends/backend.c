/*
 * backend.c - choosing a backend by name from the target table (target.c),
 * which is fixed at compile time (the CUDA backend exists only when the
 * toolkit was found); nothing is loaded at run time.  This file does not
 * know how any backend works; the one exception is a pure cubin reader
 * (tttd_cuda_static_global, backend_cuda.h) kept here because it needs no
 * toolkit and so builds, and is tested, everywhere.
 */
#include <stdint.h>
#include <string.h>

#include "backend.h"
#include "backend_cuda.h"
#include "target.h" /* defines: tttd_target_find, tttd_target_at */

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
	const struct tttd_target *t;
	size_t i;

	if (strcmp(name, "auto") == 0) {
		/* The first in table order that opens: the device if built and present, else the host. */
		struct tttd_error ignored = { 0 };

		for (i = 0; (t = tttd_target_at(i)); i++)
			if (t->backend && open_ops(b, t->backend, device, &ignored) == TTTD_OK)
				return TTTD_OK;
		return tttd_error_set(e, TTTD_ENODEV, "no backend could be opened: %s",
				      ignored.msg);
	}
	t = tttd_target_find(name);
	if (t && t->backend)
		return open_ops(b, t->backend, device, e);
	if (t && t->backend_absent)
		return tttd_error_set(e, TTTD_ENODEV, "%s", t->backend_absent);
	return tttd_error_set(e, TTTD_EINVAL, "unknown backend '%s'", name);
}

void
tttd_backend_close(struct tttd_backend *b)
{
	if (b->ops && b->ops->close)
		b->ops->close(b);
	memset(b, 0, sizeof(*b));
}

static uint64_t
rd_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

size_t
tttd_cuda_static_global(const void *cubin, size_t n)
{
	const unsigned char *p = cubin;
	uint64_t shoff, stroff, strsz, total = 0;
	unsigned shentsize, shnum, shstrndx, i;

	/* 64-bit little-endian ELF: section headers tell the sizes of .nv.global*. */
	if (!p || n < 64 || memcmp(p, "\177ELF", 4) != 0 || p[4] != 2 || p[5] != 1)
		return 0;
	shoff = rd_le(p + 0x28, 8);
	shentsize = (unsigned)rd_le(p + 0x3a, 2);
	shnum = (unsigned)rd_le(p + 0x3c, 2);
	shstrndx = (unsigned)rd_le(p + 0x3e, 2);
	if (shentsize < 64 || shstrndx >= shnum || shoff > n ||
	    (uint64_t)shnum * shentsize > n - shoff)
		return 0;
	stroff = rd_le(p + shoff + (uint64_t)shstrndx * shentsize + 0x18, 8);
	strsz = rd_le(p + shoff + (uint64_t)shstrndx * shentsize + 0x20, 8);
	if (stroff > n || strsz > n - stroff)
		return 0;
	for (i = 0; i < shnum; i++) {
		const unsigned char *sh = p + shoff + (uint64_t)i * shentsize;
		uint64_t name = rd_le(sh, 4);
		const char *nm = (const char *)p + stroff + name;

		if (name + 11 > strsz || memchr(nm, '\0', strsz - name) == NULL)
			continue;
		if (strncmp(nm, ".nv.global", 10) == 0)
			total += rd_le(sh + 0x20, 8);
	}
	return total > SIZE_MAX ? SIZE_MAX : (size_t)total;
}
