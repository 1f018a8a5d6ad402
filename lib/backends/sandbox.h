/*
 * sandbox.h - a CPU candidate in a process of its own (the CPU backend's
 * runner), apart from the trusted code that times and checks it.
 *
 * tttd_sandbox_open forks a runner from the calling (trusted) process.
 * Before it runs a byte of the candidate, the runner keeps only stdin,
 * stdout and stderr as they are and the object in a memory file, leaves
 * for a process group of its own, dies with its parent, takes rlimits
 * (address space, CPU time, file size, processes, open files, no core) and
 * a seccomp filter that allows memory, reading and writing what it already
 * has open, futexes, clocks, sleeping, signals to itself and exiting,
 * nothing else: no file is opened, no socket, process, exec, ptrace or
 * signal to another process.  Then it loads the object (the loader's one
 * open is answered, by the filter's trap handler, with the memory file).
 *
 * The arena (MAP_SHARED, mapped by the caller before the fork, so at the
 * same address in both) holds the buffers a call works on; the caller
 * fills and checks them while the runner is stopped.  A call: the caller
 * arms it, resumes the runner (SIGCONT), waits for it to say it is ready,
 * then takes the time, says go, and waits for "done" (a counter in shared
 * memory) and takes the time again; then it stops the runner (SIGSTOP)
 * and waits until it is stopped, so that no work of the candidate goes on
 * while its outputs are read.  Nothing else the runner says is believed:
 * the time is the caller's, and the outputs are checked by the caller.
 *
 * Linux only (x86_64 and aarch64 filters); nothing here prints.
 */
#ifndef TTTD_SANDBOX_H
#define TTTD_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "tttd.h"

#define TTTD_SANDBOX_MAXBUF 32
#define TTTD_SANDBOX_MAXDIM 16

struct tttd_sandbox;

struct tttd_sandbox_limits {
	double timeout_s;   /* a load or one call; then the runner's group is killed */
	uint64_t mem_bytes; /* address space beyond what the runner inherits */
};

/*
 * Start a runner with the object (n bytes; borrowed) and resolve entry in it.
 * arena..arena+arena_len: the shared buffers (borrowed; must outlive the
 * runner).  @return TTTD_OK (the runner is stopped, ready for calls),
 * TTTD_EFORMAT (the object does not load or lacks entry: the loader's
 * message; the runner died or was refused a call while loading),
 * TTTD_EIO (cannot fork, no memory file).
 */
int tttd_sandbox_open(struct tttd_sandbox **out, void *arena, size_t arena_len, const void *obj,
		      size_t n, const char *entry, const struct tttd_sandbox_limits *lim,
		      struct tttd_error *e);

/*
 * One call entry(buf, dim) in the runner; buf[i] must lie in the arena.
 * *ns: the caller's clock from go to done.  @return TTTD_OK, or TTTD_EGPU
 * with the reason (the runner died: the signal or exit status, or the
 * system call the sandbox refused; or it did not finish within the
 * timeout); the runner is then gone and the sandbox must be closed.
 */
int tttd_sandbox_call(struct tttd_sandbox *sb, void *const *buf, size_t nbuf, const long *dim,
		      size_t ndim, double *ns, struct tttd_error *e);

/* Kill the runner's process group and reap it.  Accepts NULL. */
void tttd_sandbox_close(struct tttd_sandbox *sb);

/* The name of system call nr on this machine ("socket"), or NULL. */
const char *tttd_sandbox_syscall_name(long nr);

#endif
