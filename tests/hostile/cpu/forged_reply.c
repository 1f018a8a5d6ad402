/*
 * forged_reply: writes its own reply onto the bench worker's socket (status
 * ok, time_ns 1, and _restart so that the parent replaces the worker), then
 * leaves.  Before the sandbox: the parent took the forged frame as the
 * verdict (status ok, time_ns 1).  After: the candidate runs in its own
 * process with no socket open; it finds nothing to forge and leaves its
 * output unwritten (status nan).
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	/* msgpack: {"status":"ok","time_ns":1.0,"_restart":true} */
	static const unsigned char body[] = {
		0x83, 0xa6, 's', 't', 'a', 't', 'u', 's', 0xa2, 'o', 'k',
		0xa7, 't', 'i', 'm', 'e', '_', 'n', 's', 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
		0xa8, '_', 'r', 'e', 's', 't', 'a', 'r', 't', 0xc3,
	};
	unsigned char frame[4 + sizeof(body)] = { sizeof(body), 0, 0, 0 };
	int fd, forged = 0;

	(void)buf;
	(void)dim;
	memcpy(frame + 4, body, sizeof(body));
	for (fd = 3; fd < 256; fd++) {
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    write(fd, frame, sizeof(frame)) == (ssize_t)sizeof(frame))
			forged = 1;
	}
	if (forged)
		_exit(0);
}
