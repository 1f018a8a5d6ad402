/*
 * file_read: reads $TTTD_HOSTILE_DIR/secret and prints it to stderr, which
 * lands in the record (and so in the archive).  Before the sandbox: the
 * secret was in the record's "stderr".  After: the open is refused (status
 * crash, the call named) and no secret is in the record.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	char path[512], s[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/secret", evidence_dir());
	if ((fd = open(path, O_RDONLY)) >= 0) {
		if ((n = read(fd, s, sizeof(s))) > 0 && write(2, s, (size_t)n) < 0)
			n = 0;
		close(fd);
	}
	vadd(buf, dim);
}
