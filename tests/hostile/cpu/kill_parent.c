/*
 * kill_parent: kills every process between it and tttd-bench, and
 * tttd-bench itself.  Before the sandbox: tttd-bench died by SIGKILL and the
 * batch stopped there (a discovery step failed the same way at every
 * rerun).  After: kill is refused (status crash, "refused system call kill")
 * and the next candidate runs.
 */
#include <signal.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	int top, pid = getppid();

	/* Its parent first, with no file read before (before: tttd-bench; after: the worker). */
	kill(pid, SIGKILL);
	top = bench_pid();

	while (top && pid > 1) {
		int next = parent_of(pid);

		kill(pid, SIGKILL);
		if (pid == top)
			break;
		pid = next;
	}
	vadd(buf, dim);
}
