/*
 * fork_escape: forks a child that leaves the process group (setsid),
 * writes its pid to $TTTD_HOSTILE_DIR/escaped.pid and lives on for 30 s.
 * Before the sandbox: the child outlived tttd-bench.  After: fork is
 * refused (status crash, the refused call named).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	static int done;

	if (!done++ && fork() == 0) {
		char path[512];
		FILE *f;

		setsid();
		snprintf(path, sizeof(path), "%s/escaped.pid", evidence_dir());
		if ((f = fopen(path, "w"))) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
		sleep(30);
		_exit(0);
	}
	vadd(buf, dim);
}
