/*
 * common.h - shared by the hostile CPU candidates (tests/pipeline/hostile_cpu.sh):
 * the honest vadd they fall back to, and where they leave evidence
 * ($TTTD_HOSTILE_DIR, set by the test; the sandbox must keep them from it).
 */
#include <stdlib.h>

void tttd_kernel(void **buf, const long *dim);

static void
vadd(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];

	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
}

static const char *
evidence_dir(void)
{
	const char *d = getenv("TTTD_HOSTILE_DIR");

	return d && *d ? d : "/tmp";
}

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The parent of pid (/proc/pid/stat), 0 if unknown. */
static int
parent_of(int pid)
{
	char path[64], line[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* The nearest ancestor named tttd-bench (the process that writes the records), 0 if none. */
static int
bench_pid(void)
{
	int pid = getppid(), depth;

	for (depth = 0; pid > 1 && depth < 8; depth++, pid = parent_of(pid)) {
		char path[64], comm[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if ((f = fopen(path, "r"))) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strncmp(comm, "tttd-bench", 10) == 0)
			return pid;
	}
	return 0;
}
