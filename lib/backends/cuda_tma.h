/*
 * cuda_tma.h - the trusted host side of a plan's Hopper launches: TMA tensor
 * maps encoded through the driver's cuTensorMapEncodeTiled (looked up at run
 * time through the runtime, never linked: no -lcuda), cluster launches and
 * persistent grids.  backend_cuda.c hands it every launch step for which
 * TTTD_LAUNCH_IS_EXT holds; plain launches never come here.
 */
#ifndef TTTD_CUDA_TMA_H
#define TTTD_CUDA_TMA_H

#include <stddef.h>

#include "task.h"
#include "tttd.h"

/*
 * Launch step l (kernel func, a cudaKernel_t or entry pointer) with the
 * grid, block and dynamic shared memory the caller evaluated, and args[0 ..
 * nargs) (the buffers, then the dims), followed by the tensor maps l names,
 * encoded here over buf at shape s under choice.  With cluster dims it is a
 * cluster launch (the grid must be a multiple of them); when persistent,
 * grid x is lowered to the blocks (whole clusters) that can be resident at
 * once, spread over grid y and z.  Asynchronous on the legacy stream, like
 * every plan step.
 * @return TTTD_OK; TTTD_EINVAL for a bad map, cluster or launch (not
 * sticky: the context stays usable); TTTD_EGPU when the driver lacks what
 * is needed.
 */
int tttd_cuda_launch_ext(const struct tttd_task *t, const struct tttd_launch_spec *l,
			 const struct tttd_shape *s, const int *choice, void **buf, void **args,
			 size_t nargs, const void *func, const unsigned grid[3], const unsigned block[3],
			 size_t smem, struct tttd_error *e);

#endif
