/*
 * sandbox.c - the CPU candidate's own process: fork, lock down, load, then
 * calls timed from the trusted side.  See sandbox.h for the contract.
 *
 * Why fork and not exec: the runner must share the arena at the same
 * address, and exec'ing a helper would need a second installed program.
 * What a fork hands the runner is a copy of the trusted process at that
 * moment, which holds nothing a candidate could use: the random state that
 * picks fresh inputs and which calls are checked is drawn after the fork
 * (bench.c), and tttd-bench's keys live in a page the kernel wipes on fork.
 *
 * Why a trap handler rather than killing on the first refused call: the
 * dynamic loader must open the object once, and seccomp cannot look at a
 * path.  So openat traps, and while the runner is loading the handler
 * answers it with a duplicate of the object's memory file (any path: the
 * only file the runner can ever get is its own object).  fstat through
 * newfstatat(fd, "", AT_EMPTY_PATH) is answered with fstat(fd).  Any other
 * refused call notes its number in the shared control page (for the reason
 * in the record) and kills the runner.  The candidate cannot replace the
 * handler: rt_sigaction on SIGSYS is refused too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SB_ARCH AUDIT_ARCH_X86_64
#define SB_ARG(uc, i)                                  \
	((i) == 0   ? (uc)->uc_mcontext.gregs[REG_RDI] \
	 : (i) == 1 ? (uc)->uc_mcontext.gregs[REG_RSI] \
	 : (i) == 2 ? (uc)->uc_mcontext.gregs[REG_RDX] \
		    : (uc)->uc_mcontext.gregs[REG_R10])
#define SB_SETRET(uc, v) ((uc)->uc_mcontext.gregs[REG_RAX] = (greg_t)(v))
#define SB_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define SB_ARCH AUDIT_ARCH_AARCH64
#define SB_ARG(uc, i) ((long)(uc)->uc_mcontext.regs[(i)])
#define SB_SETRET(uc, v) ((uc)->uc_mcontext.regs[0] = (unsigned long long)(v))
#define SB_RELAX() __asm__ __volatile__("yield")
#else
#define SB_ARCH 0 /* no filter for this architecture: tttd_sandbox_open refuses */
#endif

#define OBJ_FD 3 /* the object's memory file in the runner */
#define REFUSED_TAG \
	0x5ecc0 /* ctl->refused_tag when the handler noted a call                                  \
		 */
/*
 * Waiting for "done": spin (a precise time for short calls) for at most
 * SPIN_NS, and not much longer than the last call took, then sleep on the
 * futex, so that on a busy machine the waiting side gives the CPU to the
 * candidate instead of burning it (the wake-up then costs a few us).
 */
#define SPIN_NS 1000000.0
#define SPIN_MIN_NS 20000.0
#define LOAD_MSG 256

enum { ST_LOADING = 0,
       ST_LOADED = 1,
       ST_LOAD_FAILED = 2 };

/*
 * The control page, shared with the runner (which may write anything into
 * it: the caller reads from it only the counters it waits on, the load
 * state, and for a reason's text the loader's message and a refused call).
 */
struct ctl {
	_Atomic uint32_t arm, ready, go, done; /* call k: arm=k (caller), ready=k, go=k, done=k */
	_Atomic int state;
	int refused_tag;
	long refused_nr;
	char msg[LOAD_MSG];
	void *buf[TTTD_SANDBOX_MAXBUF];
	long dim[TTTD_SANDBOX_MAXDIM];
};

struct tttd_sandbox {
	pid_t pid;
	struct ctl *ctl;
	char *arena;
	size_t arena_len;
	uint32_t k;     /* calls made */
	double last_ns; /* the last call's time, for the spin */
	double timeout_s;
	int gone;       /* the runner died or was killed */
	int cpu_runner; /* the CPU the runner is pinned to, -1 if not pinned */
};

/*
 * The timing side spins while the candidate runs: on one CPU they would
 * take turns by the scheduler's time slice, so where two CPUs are allowed
 * the caller stays on the one it is on and the runner gets another.
 * Unpinned, a 10 us kernel measured 90 us to 1.4 ms on a busy 2-CPU
 * machine; pinned, as in-process timing did (docs/benchmarks.md).
 * NEEDSWORK: several benches on one machine (tttd-fanout's CPU workers)
 * pick their pairs independently and may share a CPU.
 */
static void
pick_cpus(struct tttd_sandbox *sb)
{
	static cpu_set_t set; /* the CPUs allowed before the first pinning */
	static int have_set;
	cpu_set_t mine;
	int here = sched_getcpu(), i;

	sb->cpu_runner = -1;
	if (!have_set && sched_getaffinity(0, sizeof(set), &set) == 0)
		have_set = 1;
	if (here < 0 || !have_set || CPU_COUNT(&set) < 2 || !CPU_ISSET(here, &set))
		return;
	for (i = 1; i < CPU_SETSIZE; i++) {
		int c = (here + i) % CPU_SETSIZE;

		if (CPU_ISSET(c, &set)) {
			sb->cpu_runner = c;
			break;
		}
	}
	CPU_ZERO(&mine);
	CPU_SET(here, &mine);
	sched_setaffinity(0, sizeof(mine), &mine);
}

/* ---- the runner (the candidate's process) ---- */

static struct ctl *runner_ctl;
static volatile sig_atomic_t runner_loading;
static pid_t runner_pid;

static void
on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	long nr = si->si_syscall;

	(void)sig;
	if (nr == SYS_openat && runner_loading) {
		long fd = syscall(SYS_fcntl, OBJ_FD, F_DUPFD_CLOEXEC, OBJ_FD + 1);

		if (fd >= 0)
			syscall(SYS_lseek, (int)fd, 0L, SEEK_SET);
		SB_SETRET(uc, fd >= 0 ? fd : -EMFILE);
		return;
	}
	if (nr == SYS_newfstatat) {
		const char *path = (const char *)SB_ARG(uc, 1);

		if (path && !path[0] && (SB_ARG(uc, 3) & AT_EMPTY_PATH)) {
			SB_SETRET(uc,
				  syscall(SYS_fstat, (int)SB_ARG(uc, 0), (void *)SB_ARG(uc, 2)));
			return;
		}
	}
	runner_ctl->refused_nr = nr;
	runner_ctl->refused_tag = REFUSED_TAG;
	syscall(SYS_kill, runner_pid, SIGKILL);
	for (;;)
		syscall(SYS_exit_group, 126);
}

#if SB_ARCH
/* The filter's program, built into f; @return its length. */
static size_t
build_filter(struct sock_filter *f, pid_t self)
{
	/* Always allowed: memory, I/O on descriptors already open, time, futexes,
	 * exiting. */
	static const long allow[] = {
		SYS_read,
		SYS_write,
		SYS_readv,
		SYS_writev,
		SYS_pread64,
		SYS_pwrite64,
		SYS_lseek,
		SYS_close,
		SYS_fstat,
		SYS_fcntl,
		SYS_dup,
		SYS_mmap,
		SYS_munmap,
		SYS_mprotect,
		SYS_mremap,
		SYS_madvise,
		SYS_brk,
		SYS_futex,
		SYS_rt_sigreturn,
		SYS_rt_sigprocmask,
		SYS_sigaltstack,
		SYS_exit,
		SYS_exit_group,
		SYS_getpid,
		SYS_gettid,
		SYS_getppid,
		SYS_clock_gettime,
		SYS_clock_getres,
		SYS_gettimeofday,
		SYS_nanosleep,
		SYS_clock_nanosleep,
		SYS_sched_yield,
		SYS_getrandom,
		SYS_sched_getaffinity,
		SYS_uname,
		SYS_set_robust_list,
		SYS_restart_syscall,
		SYS_setrlimit,
#ifdef SYS_getrlimit
		SYS_getrlimit,
#endif
#ifdef SYS_arch_prctl
		SYS_arch_prctl,
#endif
#ifdef SYS_rseq
		SYS_rseq,
#endif
	};
	/* Allowed only on the runner itself (argument 0 is its pid, or 0 for
	 * prlimit64). */
	static const long self_only[] = { SYS_kill, SYS_tgkill, SYS_tkill, SYS_prlimit64 };
	size_t n = 0, i;

#define LD(off) (f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define RET(v) (f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (v)))
#define JEQ(k, t, e) \
	(f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (e)))
	LD(offsetof(struct seccomp_data, arch));
	JEQ(SB_ARCH, 1, 0);
	RET(SECCOMP_RET_KILL_PROCESS);
	LD(offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	/* x32 system calls carry this bit: none is allowed. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	RET(SECCOMP_RET_KILL_PROCESS);
#endif
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++) {
		JEQ((unsigned)allow[i], 0, 1);
		RET(SECCOMP_RET_ALLOW);
	}
	for (i = 0; i < sizeof(self_only) / sizeof(self_only[0]); i++) {
		/* nr? load arg 0 (low word, little-endian), allow self (or 0 for prlimit64)
		 */
		JEQ((unsigned)self_only[i], 0, 5);
		LD(offsetof(struct seccomp_data, args[0]));
		JEQ((unsigned)self, 2, 0);
		JEQ(self_only[i] == SYS_prlimit64 ? 0u : (unsigned)self, 1, 0);
		RET(SECCOMP_RET_TRAP);
		RET(SECCOMP_RET_ALLOW);
	}
	/* rt_sigaction on anything but SIGSYS (abort() resets SIGABRT, say). */
	JEQ(SYS_rt_sigaction, 0, 4);
	LD(offsetof(struct seccomp_data, args[0]));
	JEQ(SIGSYS, 0, 1);
	RET(SECCOMP_RET_TRAP);
	RET(SECCOMP_RET_ALLOW);
	/* ioctl TCGETS only: stdio asks whether a stream is a terminal. */
	JEQ(SYS_ioctl, 0, 4);
	LD(offsetof(struct seccomp_data, args[1]));
	JEQ(TCGETS, 0, 1);
	RET(SECCOMP_RET_ALLOW);
	RET(SECCOMP_RET_TRAP);
	/* Everything else (open, socket, clone, execve, ptrace, ...) goes to
	 * on_sigsys. */
	RET(SECCOMP_RET_TRAP);
#undef LD
#undef RET
#undef JEQ
	return n;
}
#endif

static void
set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };

	setrlimit(res, &rl);
}

/* Virtual memory the process maps now (/proc/self/statm), 0 if unknown. */
static uint64_t
mapped_bytes(void)
{
	unsigned long long size = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &size) != 1)
		size = 0;
	fclose(f);
	return size * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void __attribute__((noreturn)) runner_fail(struct ctl *ctl, const char *fmt, const char *arg)
{
	snprintf(ctl->msg, sizeof(ctl->msg), fmt, arg ? arg : "");
	atomic_store(&ctl->state, ST_LOAD_FAILED);
	_exit(1);
}

static void __attribute__((noreturn))
runner_main(struct ctl *ctl, int objfd, const char *entry, const struct tttd_sandbox_limits *lim)
{
	typedef void (*kfn)(void **buf, const long *dim);
	struct sigaction sa;
	uint64_t mapped;
	void *dl, *sym;
	kfn fn;
	uint32_t k;
	double cpu_s = lim->timeout_s + 5;

	/* Trusted until the filter is on: only this code runs here. */
	runner_ctl = ctl;
	runner_pid = getpid();
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1); /* the parent is already gone */
	if (dup2(objfd, OBJ_FD) < 0)
		runner_fail(ctl, "cannot place the object: %s", strerror(errno));
	/* Keep stdin, stdout, stderr and the object; above all, not the worker's
	 * socket. */
	if (syscall(SYS_close_range, OBJ_FD + 1, ~0u, 0) < 0) {
		int fd;

		for (fd = OBJ_FD + 1; fd < 4096; fd++)
			close(fd);
	}
	mapped = mapped_bytes();
	set_limit(RLIMIT_AS, (rlim_t)(mapped + lim->mem_bytes));
	set_limit(RLIMIT_CPU, (rlim_t)(cpu_s > 1 ? cpu_s : 1));
	/* Not 0: its stderr is a memory file (sealed at its size), which counts. */
	set_limit(RLIMIT_FSIZE, 1 << 16);
	set_limit(RLIMIT_NPROC, 0);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_MEMLOCK, 0);
	set_limit(RLIMIT_NOFILE, 16);
	prctl(PR_SET_DUMPABLE, 0);
	/* A write past the file size limit fails (EFBIG) rather than killing it. */
	signal(SIGXFSZ, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		runner_fail(ctl, "cannot catch SIGSYS: %s", strerror(errno));
#if SB_ARCH
	{
		struct sock_filter f[256];
		struct sock_fprog prog;

		prog.len = (unsigned short)build_filter(f, runner_pid);
		prog.filter = f;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			runner_fail(ctl, "cannot enter the sandbox (seccomp): %s", strerror(errno));
	}
#endif
	/* From here on the candidate's code may run (its constructors, at dlopen). */
	runner_loading = 1;
	dl = dlopen("/proc/self/fd/3", RTLD_NOW | RTLD_LOCAL);
	runner_loading = 0;
	if (!dl)
		runner_fail(ctl, "cannot load object: %s", dlerror());
	sym = dlsym(dl, entry);
	if (!sym)
		runner_fail(ctl, "object has no entry point '%s'", entry);
	close(OBJ_FD);
	/* POSIX guarantees a data pointer from dlsym converts to a function pointer.
	 */
	memcpy(&fn, &sym, sizeof(fn));
	atomic_store(&ctl->state, ST_LOADED);
	for (k = 1;; k++) {
		while (atomic_load_explicit(&ctl->arm, memory_order_acquire) != k)
			SB_RELAX();
		atomic_store_explicit(&ctl->ready, k, memory_order_release);
		syscall(SYS_futex, &ctl->ready, FUTEX_WAKE, 1, NULL, NULL, 0);
		while (atomic_load_explicit(&ctl->go, memory_order_acquire) != k)
			SB_RELAX();
		fn(ctl->buf, ctl->dim);
		atomic_store_explicit(&ctl->done, k, memory_order_release);
		syscall(SYS_futex, &ctl->done, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}

/* ---- the trusted side ---- */

const char *
tttd_sandbox_syscall_name(long nr)
{
	static const struct {
		long nr;
		const char *name;
	} names[] = {
#define N(x) { SYS_##x, #x }
		N(openat),
		N(socket),
		N(connect),
		N(bind),
		N(clone),
		N(execve),
		N(execveat),
		N(kill),
		N(tgkill),
		N(tkill),
		N(ptrace),
		N(unlinkat),
		N(mkdirat),
		N(renameat2),
		N(newfstatat),
		N(statx),
		N(faccessat),
		N(prctl),
		N(setsid),
		N(setpgid),
		N(chdir),
		N(rt_sigaction),
		N(process_vm_writev),
		N(process_vm_readv),
		N(socketpair),
		N(sendto),
		N(recvfrom),
		N(ioctl),
		N(memfd_create),
		N(pidfd_open),
		N(prlimit64),
#ifdef SYS_open
		N(open),
		N(creat),
		N(stat),
		N(lstat),
		N(access),
		N(unlink),
		N(mkdir),
		N(rename),
		N(fork),
		N(vfork),
#endif
#ifdef SYS_clone3
		N(clone3),
#endif
#undef N
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

/* Why the runner ended (it has been reaped with status). */
static int
runner_ended(struct tttd_sandbox *sb, int status, const char *when, struct tttd_error *e)
{
	struct ctl *c = sb->ctl;

	sb->gone = 1;
	if (c->refused_tag == REFUSED_TAG) {
		long nr = c->refused_nr;
		const char *name = tttd_sandbox_syscall_name(nr);

		return tttd_error_set(
			e, TTTD_EGPU,
			"the sandbox refused system call %s%s%ld%s %s: a candidate may "
			"not open files, use sockets, start processes or signal others",
			name ? name : "", name ? " (" : "", nr, name ? ")" : "", when);
	}
	if (WIFSIGNALED(status)) {
		const char *abbr = sigabbrev_np(WTERMSIG(status));

		/* As a dead worker is described (bench.c), so reasons read the same. */
		if (abbr)
			return tttd_error_set(e, TTTD_EGPU, "killed by signal SIG%s", abbr);
		return tttd_error_set(e, TTTD_EGPU, "killed by signal %d", WTERMSIG(status));
	}
	return tttd_error_set(e, TTTD_EGPU, "the candidate's process exited with status %d %s",
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1, when);
}

static void
runner_kill(struct tttd_sandbox *sb)
{
	if (!sb->pid || sb->gone)
		return;
	kill(-sb->pid, SIGKILL); /* its group: all it is allowed to be */
	kill(sb->pid, SIGKILL);
	waitpid(sb->pid, NULL, 0);
	sb->gone = 1;
}

/* Has the runner ended?  Reap it and set e if so.  @return 1 if it has. */
static int
runner_check(struct tttd_sandbox *sb, const char *when, int *rc, struct tttd_error *e)
{
	int status;
	pid_t r = waitpid(sb->pid, &status, WNOHANG);

	if (r != sb->pid)
		return 0;
	*rc = runner_ended(sb, status, when, e);
	return 1;
}

/* Stop the runner and wait until it is stopped.  @return TTTD_OK or its end. */
static int
runner_stop(struct tttd_sandbox *sb, const char *when, struct tttd_error *e)
{
	int status;

	kill(sb->pid, SIGSTOP);
	for (;;) {
		pid_t r = waitpid(sb->pid, &status, WUNTRACED);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == sb->pid && WIFSTOPPED(status))
			return TTTD_OK;
		if (r == sb->pid)
			return runner_ended(sb, status, when, e);
		sb->gone = 1;
		return tttd_error_set(e, TTTD_EGPU, "the candidate's process vanished %s", when);
	}
}

int
tttd_sandbox_open(struct tttd_sandbox **out, void *arena, size_t arena_len, const void *obj,
		  size_t n, const char *entry, const struct tttd_sandbox_limits *lim,
		  struct tttd_error *e)
{
	struct tttd_sandbox *sb;
	uint64_t deadline;
	int fd, rc = TTTD_OK;
	pid_t pid;

	*out = NULL;
	TTTD_RETURN_IF(!SB_ARCH, e, TTTD_ENODEV,
		       "the CPU sandbox has no system call filter for this architecture");
	fd = memfd_create("tttd-candidate", MFD_CLOEXEC);
	if (fd < 0)
		return tttd_error_set(e, TTTD_EIO, "cannot create a memory file for the object:");
	if (tttd_write_all(fd, obj, n) < 0) {
		close(fd);
		return tttd_error_set(e, TTTD_EIO, "cannot write the object to a memory file:");
	}
	sb = xcalloc(1, sizeof(*sb));
	sb->ctl = mmap(NULL, sizeof(struct ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (sb->ctl == MAP_FAILED) {
		close(fd);
		free(sb);
		return tttd_error_set(e, TTTD_EIO, "cannot map the sandbox's control page:");
	}
	sb->arena = arena;
	sb->arena_len = arena_len;
	sb->timeout_s = lim->timeout_s;
	fflush(NULL); /* nothing buffered may be written twice */
	pick_cpus(sb);
	pid = fork();
	if (pid < 0) {
		close(fd);
		munmap(sb->ctl, sizeof(struct ctl));
		free(sb);
		return tttd_error_set(e, TTTD_EIO, "cannot fork the candidate's process:");
	}
	if (pid == 0) {
		if (sb->cpu_runner >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(sb->cpu_runner, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		runner_main(sb->ctl, fd, entry, lim);
	}
	close(fd);
	setpgid(pid, pid); /* as the runner does: whichever comes first */
	sb->pid = pid;
	*out = sb;
	/* Wait for the load (constructors included) until the timeout. */
	deadline = tttd_now_ns() + (uint64_t)(lim->timeout_s * 1e9);
	for (;;) {
		int st = atomic_load(&sb->ctl->state);

		if (st == ST_LOADED)
			break;
		if (runner_check(sb, "while loading", &rc, e)) {
			if (st == ST_LOAD_FAILED ||
			    atomic_load(&sb->ctl->state) == ST_LOAD_FAILED) {
				char msg[LOAD_MSG];
				size_t i;

				/* The loader's words, as printable text. */
				memcpy(msg, sb->ctl->msg, sizeof(msg));
				msg[sizeof(msg) - 1] = '\0';
				for (i = 0; msg[i]; i++)
					if ((unsigned char)msg[i] < 32 ||
					    (unsigned char)msg[i] > 126)
						msg[i] = '?';
				rc = tttd_error_set(e, TTTD_EFORMAT, "%s", msg);
			} else {
				tttd_error_prefix(e, "cannot load object");
				e->code = rc = TTTD_EFORMAT;
			}
			return rc;
		}
		if (tttd_now_ns() > deadline) {
			runner_kill(sb);
			return tttd_error_set(e, TTTD_EFORMAT,
					      "cannot load object: not loaded within %g s",
					      lim->timeout_s);
		}
		usleep(200);
	}
	if ((rc = runner_stop(sb, "after loading", e)) < 0) {
		e->code = rc = TTTD_EFORMAT;
		return rc;
	}
	return TTTD_OK;
}

static int
in_arena(const struct tttd_sandbox *sb, const void *p)
{
	return (const char *)p >= sb->arena && (const char *)p <= sb->arena + sb->arena_len;
}

int
tttd_sandbox_call(struct tttd_sandbox *sb, void *const *buf, size_t nbuf, const long *dim,
		  size_t ndim, double *ns, struct tttd_error *e)
{
	struct ctl *c = sb->ctl;
	uint64_t deadline, t0, t1, spin_end;
	uint32_t k;
	size_t i;
	int rc = TTTD_OK;
	unsigned spins = 0;

	TTTD_RETURN_IF(sb->gone, e, TTTD_EGPU, "the candidate's process is gone");
	TTTD_RETURN_IF(nbuf > TTTD_SANDBOX_MAXBUF || ndim > TTTD_SANDBOX_MAXDIM, e, TTTD_EINVAL,
		       "too many buffers or dims for the sandbox");
	for (i = 0; i < nbuf; i++)
		TTTD_RETURN_IF(!in_arena(sb, buf[i]), e, TTTD_EINVAL,
			       "buffer %zu is not in the shared arena", i);
	memset(c->buf, 0, sizeof(c->buf));
	memset(c->dim, 0, sizeof(c->dim));
	memcpy(c->buf, buf, nbuf * sizeof(*buf));
	memcpy(c->dim, dim, ndim * sizeof(*dim));
	k = ++sb->k;
	deadline = tttd_now_ns() + (uint64_t)(sb->timeout_s * 1e9);
	atomic_store_explicit(&c->arm, k, memory_order_release);
	kill(sb->pid, SIGCONT);
	/* Ready: it runs again (so its wake-up is not timed).  Spin a little, then
	 * sleep. */
	for (;;) {
		uint32_t r = atomic_load_explicit(&c->ready, memory_order_acquire);

		if (r == k)
			break;
		if (++spins < 2000) {
			SB_RELAX();
			continue;
		}
		{
			struct timespec ts = { 0, 1000000 };

			syscall(SYS_futex, &c->ready, FUTEX_WAIT, r, &ts, NULL, 0);
		}
		if (runner_check(sb, "before the call", &rc, e))
			return rc;
		if (tttd_now_ns() > deadline)
			goto timeout;
	}
	t0 = tttd_now_ns();
	atomic_store_explicit(&c->go, k, memory_order_release);
	spin_end = t0 + (uint64_t)fmin(SPIN_NS, fmax(SPIN_MIN_NS, 2 * sb->last_ns));
	for (;;) {
		uint32_t d = atomic_load_explicit(&c->done, memory_order_acquire);
		uint64_t now;

		if (d == k)
			break;
		now = tttd_now_ns();
		if (now < spin_end) {
			SB_RELAX();
			continue;
		}
		/* A long call: sleep on the futex, a millisecond at a time. */
		{
			struct timespec ts = { 0, 1000000 };

			syscall(SYS_futex, &c->done, FUTEX_WAIT, d, &ts, NULL, 0);
		}
		if (atomic_load_explicit(&c->done, memory_order_acquire) == k)
			break;
		if (runner_check(sb, "during the call", &rc, e))
			return rc;
		if (tttd_now_ns() > deadline)
			goto timeout;
	}
	t1 = tttd_now_ns();
	*ns = sb->last_ns = (double)(t1 - t0);
	/* No work of the candidate may go on while its outputs are read. */
	return runner_stop(sb, "after the call", e);
timeout:
	runner_kill(sb);
	return tttd_error_set(e, TTTD_EGPU, "the call did not finish within %g s", sb->timeout_s);
}

void
tttd_sandbox_close(struct tttd_sandbox *sb)
{
	if (!sb)
		return;
	runner_kill(sb);
	munmap(sb->ctl, sizeof(struct ctl));
	free(sb);
}
