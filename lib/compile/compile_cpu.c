/*
 * compile_cpu.c - the "cpu" compile target: one C source into a shared
 * object with the system compiler.
 *
 * The source goes into a private temporary directory (mkdtemp), the compiler
 * runs as `<cc> <options> -shared -fPIC -o <dir>/k.so <dir>/k.c` with no
 * shell (options are split on whitespace, so a candidate cannot inject shell
 * syntax, and each word must pass the allow-list of compile_flags.c, so it
 * cannot pass -wrapper, -B, -MF, @file and the like either), its stdout and stderr are captured as the log (capped), a timeout
 * kills its whole process group, and the object bytes are read back before
 * the directory is removed.
 *
 * The process is started with posix_spawnp rather than fork + execvp: the
 * driver calls this from several threads, and posix_spawn (vfork-like in
 * glibc) neither copies the parent's address space nor runs any code in the
 * child that could trip over a lock another thread held at fork time.
 *
 * It does not load or check the object (tttd-bench does), and a source that
 * fails to compile is a result, not an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"

extern char **environ;

/* A child's captured output and how it ended. */
struct run_result {
	char *log; /* NUL-terminated, capped */
	size_t len;
	size_t dropped; /* bytes over the cap, read and discarded */
	int status;     /* waitpid status */
	int timed_out;
};

/*
 * The environment for the compiler: ours with LC_ALL=C, so diagnostics are
 * in one language with plain quotes, and the cached log does not depend on
 * who ran the first compile.
 */
static char **
compiler_env(void)
{
	size_t n = 0, i, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0)
			env[k++] = environ[i];
	env[k++] = "LC_ALL=C";
	env[k] = NULL;
	return env;
}

/*
 * Run argv (argv[0] looked up in PATH), stdin from /dev/null, stdout and
 * stderr into r->log, killed (with its process group) after timeout_s.
 * @return TTTD_OK (whatever the child's exit status), or a tttd error when
 * it could not be started (TTTD_ENOENT for a missing program) or read.
 */
static int
run_capture(char *const argv[], double timeout_s, struct run_result *r, struct tttd_error *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char **env = compiler_env(), buf[8192];
	int pfd[2] = { -1, -1 }, err, ret = TTTD_OK, fa_ok = 0, at_ok = 0;
	uint64_t deadline;
	pid_t pid = -1;
	size_t cap = 0;

	memset(r, 0, sizeof(*r));
	XGROW(r->log, cap, 1);
	r->log[0] = '\0';
	/* O_CLOEXEC: other threads' compilers must not inherit our pipe. */
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		ret = tttd_error_set(e, TTTD_EIO, "cannot create a pipe:");
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0 || posix_spawnattr_init(&at) != 0) {
		ret = tttd_error_set(e, TTTD_ENOMEM, "cannot set up a child process");
		goto out;
	}
	fa_ok = at_ok = 1;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	/* Its own process group, so a timeout kills cc1 and as too. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	{
		sigset_t none, def;

		sigemptyset(&none);
		sigemptyset(&def);
		sigaddset(&def, SIGPIPE);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setsigdefault(&at, &def);
	}
	err = posix_spawnp(&pid, argv[0], &fa, &at, argv, env);
	if (err != 0) {
		errno = err;
		pid = -1;
		ret = tttd_error_set(e, err == ENOENT ? TTTD_ENOENT : TTTD_EIO,
				     "cannot run compiler '%s':", argv[0]);
		goto out;
	}
	close(pfd[1]);
	pfd[1] = -1;

	deadline = tttd_now_ns() + (uint64_t)(timeout_s * 1e9);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		uint64_t now = tttd_now_ns();
		ssize_t got;
		int pr;

		if (now >= deadline) {
			r->timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		pr = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			ret = tttd_error_set(e, TTTD_EIO, "cannot poll the compiler's output:");
			kill(-pid, SIGKILL);
			break;
		}
		if (pr == 0)
			continue;
		got = read(pfd[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break; /* EOF: every writer (the compiler's tree) closed it */
		if (r->len < TTTD_COMPILE_LOG_MAX) {
			size_t take = (size_t)got;

			if (take > TTTD_COMPILE_LOG_MAX - r->len)
				take = TTTD_COMPILE_LOG_MAX - r->len;
			XGROW(r->log, cap, r->len + take + 1);
			memcpy(r->log + r->len, buf, take);
			r->len += take;
			r->log[r->len] = '\0';
			r->dropped += (size_t)got - take;
		} else {
			r->dropped += (size_t)got;
		}
	}
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (at_ok)
		posix_spawnattr_destroy(&at);
	free(env);
	if (ret < 0) { /* callers free the log only of a compiler that ran */
		free(r->log);
		r->log = NULL;
	}
	return ret;
}

static int
cpu_identity(const struct tttd_compile_opts *o, char **id, struct tttd_error *e)
{
	const char *cc = o->cc && *o->cc ? o->cc : "cc";
	char *argv[] = { (char *)cc, "--version", NULL };
	struct run_result r;
	size_t n;

	*id = NULL;
	TTTD_TRY(run_capture(argv, 30, &r, e));
	/* 127: exec failed in the child (libcs without vfork semantics, valgrind). */
	if (!r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127) {
		free(r.log);
		return tttd_error_set(e, TTTD_ENOENT, "cannot run compiler '%s'", cc);
	}
	if (r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		free(r.log);
		return tttd_error_set(e, TTTD_ECOMPILE, "compiler '%s' failed on --version", cc);
	}
	n = strcspn(r.log, "\n");
	*id = xstrndup(r.log, n);
	free(r.log);
	return TTTD_OK;
}

/* Remove every plain entry of dir and dir itself (best effort). */
static void
remove_dir(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (dp) {
		while ((d = readdir(dp)) != NULL) {
			char *p;

			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			p = xasprintf("%s/%s", dir, d->d_name);
			unlink(p);
			free(p);
		}
		closedir(dp);
	}
	rmdir(dir);
}

static int
write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (tttd_write_all(fd, p, n) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Remove every "dir/" from log in place, so logs read "k.c:3:1: error: ...". */
static size_t
strip_dir(char *log, size_t len, const char *dir)
{
	size_t dl = strlen(dir), i = 0, o = 0;

	while (i < len) {
		if (i + dl < len && !memcmp(log + i, dir, dl) && log[i + dl] == '/') {
			i += dl + 1;
			continue;
		}
		log[o++] = log[i++];
	}
	log[o] = '\0';
	return o;
}

/* Split opts on whitespace into argv[*n...]; argv grows. */
static void
split_words(const char *opts, char ***argv, size_t *n, size_t *cap, char **store)
{
	char *s = *store = xstrdup(opts ? opts : ""), *tok, *save = NULL;

	for (tok = strtok_r(s, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		XGROW(*argv, *cap, *n + 1);
		(*argv)[(*n)++] = tok;
	}
}

static int
cpu_compile(const struct tttd_compile_opts *o, const struct tttd_compile_in *in,
	    struct tttd_compile_out *out, struct tttd_error *e)
{
	char dir[] = "/tmp/tttd-cc-XXXXXX", *src = NULL, *obj = NULL, *words = NULL;
	const char *cc = o->cc && *o->cc ? o->cc : "cc";
	double timeout = o->timeout_s > 0 ? o->timeout_s : 60;
	struct run_result r = { 0 };
	char **argv = NULL;
	size_t argc = 0, cap = 0;
	int ret = TTTD_OK, made = 0;

	if ((out->reason = tttd_cc_options_refused(in->options))) {
		out->log = xstrdup("");
		return TTTD_OK;
	}
	if (!mkdtemp(dir)) {
		ret = tttd_error_set(e, TTTD_EIO, "cannot create a temporary directory in '/tmp':");
		goto out;
	}
	made = 1;
	src = xasprintf("%s/k.c", dir);
	obj = xasprintf("%s/k.so", dir);
	if (write_file(src, in->source, in->source_len) < 0) {
		ret = tttd_error_set(e, TTTD_EIO, "cannot write '%s':", src);
		goto out;
	}
	XGROW(argv, cap, 1);
	argv[argc++] = (char *)cc;
	split_words(in->options, &argv, &argc, &cap, &words);
	XGROW(argv, cap, argc + 7);
	argv[argc++] = "-shared";
	argv[argc++] = "-fPIC";
	argv[argc++] = "-o";
	argv[argc++] = obj;
	argv[argc++] = src;
	argv[argc] = NULL;
	ret = run_capture(argv, timeout, &r, e);
	if (ret < 0)
		goto out;
	r.len = strip_dir(r.log, r.len, dir);
	if (r.dropped) {
		char *t = xasprintf("%s\n[compile log truncated: %zu more bytes]\n", r.log, r.dropped);

		free(r.log);
		r.log = t;
	}
	out->log = r.log;
	r.log = NULL;
	out->cacheable = !r.timed_out && WIFEXITED(r.status);
	if (r.timed_out) {
		out->reason = xasprintf("compiler timed out after %g s", timeout);
	} else if (WIFSIGNALED(r.status)) {
		out->reason = xasprintf("compiler killed by signal %d", WTERMSIG(r.status));
	} else if (WEXITSTATUS(r.status) != 0) {
		out->reason = tttd_compile_log_reason(out->log, 1);
		if (!out->reason)
			out->reason = xasprintf("compiler exited with status %d", WEXITSTATUS(r.status));
	} else if (tttd_read_file(obj, (char **)&out->object, &out->object_len) < 0) {
		free(out->object);
		out->object = NULL;
		out->object_len = 0;
		out->reason = xasprintf("compiler succeeded but wrote no object");
		out->cacheable = 0;
	} else {
		out->ok = 1;
	}
out:
	if (made)
		remove_dir(dir);
	free(r.log);
	free(argv);
	free(words);
	free(src);
	free(obj);
	return ret;
}

const struct tttd_compile_target tttd_compile_cpu = {
	.identity = cpu_identity,
	.compile = cpu_compile,
};
