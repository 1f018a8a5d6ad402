/*
 * env.h - the machine a measurement was made on, for reports: the CPU
 * model, the GPU's name, clocks and driver (through nvidia-smi, where there
 * is one), the C compiler the CPU target uses, NVRTC's version, the tttd
 * version and the commit the tools were built from, and the date.
 *
 * A run keeps these facts beside its best kernel (best/environment.json,
 * written right after the final A/B re-measurement), so a report written
 * later, or elsewhere, still names the machine that did the timing.  Any
 * fact that cannot be found is NULL, never a guess: no GPU means no GPU
 * fields.  Nothing here prints.
 */
#ifndef TTTD_ENV_H
#define TTTD_ENV_H

#include "tttd.h"

struct tttd_env {
	char *cpu;        /* /proc/cpuinfo "model name", e.g. "AMD EPYC 9654 96-Core Processor" */
	long ncpu;        /* online CPUs; 0: unknown */
	char *gpu;        /* nvidia-smi name of the device, e.g. "NVIDIA H200" */
	char *gpu_clocks; /* "SM 1980 MHz (max 1980 MHz), memory 3201 MHz" at probe time */
	char *driver;     /* NVIDIA driver version */
	char *cc;         /* first line of `cc --version` (the CPU target's compiler) */
	char *nvrtc;      /* "nvrtc 13.0"; NULL when the CUDA target is not built */
	char *version;    /* tttd's version */
	char *commit;     /* the commit the tools were built from ("unknown" outside git) */
	char *date;       /* when the facts were probed, ISO 8601 UTC */
};

/*
 * Fill env with this machine's facts; device is the GPU index nvidia-smi is
 * asked about.  Runs `cc --version` and, where present, nvidia-smi.  env
 * need not be initialised; release it with tttd_env_release.
 */
void tttd_env_probe(struct tttd_env *env, int device);
/* Write env as one JSON object to path (path.tmp, renamed).  @return TTTD_OK or TTTD_EIO. */
int tttd_env_save(const struct tttd_env *env, const char *path, struct tttd_error *e);
/*
 * Read what tttd_env_save wrote (unknown keys ignored, missing ones NULL).
 * @return TTTD_OK, TTTD_ENOENT (no file), TTTD_EIO, TTTD_EFORMAT (not a JSON object).
 */
int tttd_env_load(struct tttd_env *env, const char *path, struct tttd_error *e);
/* Free the strings; accepts a zeroed struct. */
void tttd_env_release(struct tttd_env *env);

/* The commit tttd was built from, compiled in by the Makefile ("unknown" outside git). */
const char *tttd_commit(void);

#endif
