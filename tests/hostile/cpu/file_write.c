/*
 * file_write: creates $TTTD_HOSTILE_DIR/written.  Before the sandbox: the
 * file appeared.  After: the open is refused (status crash, the call named).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/written", evidence_dir());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
		if (write(fd, "pwned\n", 6) < 0)
			fd = fd;
		close(fd);
	}
	vadd(buf, dim);
}
