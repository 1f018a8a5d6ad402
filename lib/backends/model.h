/*
 * model.h - the "model" target: candidates whose time is an expression of
 * their decisions (the task's cost and ref_cost lines) instead of a
 * measurement.  It exists so that search can be tested deterministically on
 * a landscape whose optimum is known (same seed, same archive; ablations in
 * CI).  It never stands in for a real kernel's speed, and its records say
 * so: device "model", check.checked 0.
 */
#ifndef TTTD_MODEL_H
#define TTTD_MODEL_H

#include "rec.h"
#include "task.h"

/*
 * "Benchmark" candidate r of model task t: set status (ok, or wrong when the
 * cost is not positive: the model's way to mark a failing configuration),
 * time_ns, ref_ns, speedup, timing, check, device; remove object.
 * @return TTTD_OK, or TTTD_EFORMAT when the decisions do not fit the task.
 */
int tttd_model_bench(const struct tttd_task *t, struct tttd_rec *r, struct tttd_error *e);

#endif
