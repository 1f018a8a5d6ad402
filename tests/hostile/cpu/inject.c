/*
 * inject: appends a forged candidate record (status ok, time_ns 1) to
 * tttd-bench's own stdout, found as /proc/<its pid>/fd/1 (the nearest ancestor named
 * tttd-bench; the bench worker between them writes to /dev/null), then computes honestly.
 * Before the sandbox: the forged record appeared in the output stream.
 * After: the open is refused (status crash, the refused call named).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void
inject(void)
{
	/* msgpack: {"v":1,"kind":"candidate","id":"f0rged","status":"ok","time_ns":1.0} */
	static const unsigned char rec[] = {
		0x85, 0xa1, 'v', 0x01, 0xa4, 'k', 'i', 'n', 'd', 0xa9, 'c', 'a', 'n', 'd', 'i', 'd',
		'a', 't', 'e', 0xa2, 'i', 'd', 0xa6, 'f', '0', 'r', 'g', 'e', 'd', 0xa6, 's', 't',
		'a', 't', 'u', 's', 0xa2, 'o', 'k', 0xa7, 't', 'i', 'm', 'e', '_', 'n', 's', 0xcb,
		0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
	};
	char path[64];
	int pid = bench_pid(), fd;

	if (!pid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/fd/1", pid);
	if ((fd = open(path, O_WRONLY | O_APPEND)) >= 0) {
		if (write(fd, rec, sizeof(rec)) < 0)
			fd = fd; /* nothing to do about it */
		close(fd);
	}
}

void
tttd_kernel(void **buf, const long *dim)
{
	static int done;

	if (!done++)
		inject();
	vadd(buf, dim);
}
