#!/usr/bin/env python3
"""bench/peers.py: well-known tuners on a model task's landscape, counted the
way bench/ablation.sh counts tttd's own methods.

The landscape is `tttd-space --table TASK` (every feasible choice of a model
task and its time in ns, 0 = failing).  Each tuner searches the full product
of the decisions' options, as it would a kernel's tunable parameters:

  - every request of a feasible choice is one evaluation, repeats included
    (a repeat would cost a compile and a bench in a live run);
  - a request outside the constraints (not in the table) is free: it is
    refused, the tuner is told it failed, and nothing is counted;
  - a failing choice (time 0) counts and is reported to the tuner as a
    failure.

Output: one line per evaluation, "method seed evaluation best_ns_so_far"
(tab-separated, "inf" until a correct one), the format of ablation.sh's
series.tsv, for seeds 1..S and evaluations 1..budget.

Tuners (all minimise the time in ns):
  tpe        Optuna's TPESampler (seeded), default settings, each decision a
             categorical parameter
  cmaes      Optuna's CmaEsSampler (seeded), default settings, each decision
             an integer parameter (its option index, options in increasing
             order)
  bayes_opt  Kernel Tuner's "bayes_opt" strategy in simulation mode (its
             default Gaussian process and acquisition), over a cache file made
             from the table; seeded through numpy and random
It needs numpy, optuna and kernel_tuner; ablation.sh installs them in a venv.
"""
import argparse
import json
import math
import os
import random
import sys
import tempfile


class Budget(Exception):
    """The budget of evaluations is spent."""


class Landscape:
    def __init__(self, path):
        self.names = None
        self.opts = None
        self.time = {}
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if self.names is None:
                    if cols[-1] != "time_ns":
                        raise SystemExit(f"peers.py: {path}: not a tttd-space --table file")
                    self.names = cols[:-1]
                    self.opts = [[] for _ in self.names]
                    continue
                key = tuple(cols[:-1])
                self.time[key] = float(cols[-1])
                for d, v in enumerate(key):
                    if v not in self.opts[d]:
                        self.opts[d].append(v)
        if not self.time:
            raise SystemExit(f"peers.py: {path}: no choice in the table")
        # the options in the task's order (numeric ones sorted by value)
        for d in range(len(self.opts)):
            try:
                self.opts[d].sort(key=float)
            except ValueError:
                pass


class Counter:
    """Counts evaluation requests and writes the best-so-far series."""

    def __init__(self, land, method, seed, budget, out, stop_ns=None):
        self.land, self.method, self.seed, self.budget, self.out = land, method, seed, budget, out
        self.stop_ns = stop_ns
        self.n = 0
        self.best = math.inf

    def feasible(self, key):
        return key in self.land.time

    def evaluate(self, key):
        """Time of a feasible choice (0 = failing); counts one evaluation."""
        if self.n >= self.budget:
            raise Budget()
        t = self.land.time[key]
        self.n += 1
        if t > 0 and t < self.best:
            self.best = t
        self.out.write(f"{self.method}\t{self.seed}\t{self.n}\t"
                       f"{'inf' if self.best == math.inf else format(self.best, '.6g')}\n")
        # the budget spent, or the target reached (--stop-ns: the series is
        # carried flat from there, so the evaluations to it stay exact)
        if self.n >= self.budget or (self.stop_ns is not None and self.best <= self.stop_ns):
            raise Budget()
        return t

    def pad(self):
        """A tuner that stopped early (nothing left to propose) spends no more."""
        while self.n < self.budget:
            self.n += 1
            self.out.write(f"{self.method}\t{self.seed}\t{self.n}\t"
                           f"{'inf' if self.best == math.inf else format(self.best, '.6g')}\n")


def run_optuna(land, sampler_name, seed, c):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # TPE models each decision as a categorical (its Parzen estimators of
    # categorical values; measured on the GEMM replay it needs fewer
    # evaluations so than over option indices, which repeat the incumbent's
    # neighbours); CMA-ES needs numbers: option indices.
    categorical = sampler_name == "tpe"
    if sampler_name == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        sampler = optuna.samplers.CmaEsSampler(seed=seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    refused = 0
    while True:
        trial = study.ask()
        if categorical:
            key = tuple(trial.suggest_categorical(n, land.opts[d]) for d, n in enumerate(land.names))
        else:
            key = tuple(land.opts[d][trial.suggest_int(n, 0, len(land.opts[d]) - 1)]
                        for d, n in enumerate(land.names))
        if not c.feasible(key):
            refused += 1
            # free, but the tuner must hear of it; a tuner stuck outside the
            # constraints forever would never spend its budget
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            if refused > 200 * c.budget:
                break
            continue
        try:
            t = c.evaluate(key)
        except Budget:
            return
        if t > 0:
            study.tell(trial, t)
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        if c.n >= c.budget:
            return
    c.pad()


def run_bayes_opt(land, seed, c, tmpdir):
    import numpy as np
    from kernel_tuner import tune_kernel
    from kernel_tuner import util as ktu
    from kernel_tuner.runners import simulation

    # Integer parameters (option indices), a cache holding every feasible
    # choice (a failing one as a runtime failure, which the strategy sees as
    # an invalid result), and a restriction to the table's choices: requests
    # outside it never reach the runner (free).
    names = list(land.names)
    index = [{v: i for i, v in enumerate(o)} for o in land.opts]
    tune_params = {n: list(range(len(land.opts[d]))) for d, n in enumerate(names)}
    cache = {}
    valid = set()
    for key, t in land.time.items():
        idx = tuple(index[d][v] for d, v in enumerate(key))
        valid.add(idx)
        entry = dict(zip(names, idx))
        if t > 0:
            entry.update(time=t / 1e6, times=[t / 1e6], compile_time=0, verification_time=0,
                         benchmark_time=0, strategy_time=0, framework_time=0, timestamp="0")
        else:
            entry.update(time="RuntimeFailedConfig", compile_time=0, verification_time=0,
                         benchmark_time=0, strategy_time=0, framework_time=0, timestamp="0")
        cache[",".join(str(i) for i in idx)] = entry
    path = os.path.join(tmpdir, "cache.json")
    with open(path, "w") as f:
        json.dump({"version": "1.0", "device_name": "Simulation", "kernel_name": "peer",
                   "problem_size": [1], "tune_params_keys": names,
                   "tune_params": tune_params, "objective": "time", "cache": cache}, f)

    def allowed(p):
        return tuple(p[n] for n in names) in valid

    # Count every request the strategy sends to the runner, repeats included
    # (Kernel Tuner's own budget counts unique choices only).
    inner = simulation.SimulationRunner.run

    def counted(self, parameter_space, tuning_options):
        out = []
        for element in parameter_space:
            key = tuple(land.opts[d][int(i)] for d, i in enumerate(element))
            try:
                c.evaluate(key)
            except Budget:
                out.extend(inner(self, [element], tuning_options))
                raise ktu.StopCriterionReached("budget of evaluations spent")
            out.extend(inner(self, [element], tuning_options))
        return out

    simulation.SimulationRunner.run = counted
    random.seed(seed)
    np.random.seed(seed)
    try:
        tune_kernel("peer", "", (1,), [], tune_params, restrictions=allowed, cache=path,
                    simulation_mode=True, strategy="bayes_opt",
                    strategy_options={"max_fevals": 100 * c.budget}, quiet=True, verbose=False)
    except (Budget, ktu.StopCriterionReached):
        pass
    finally:
        simulation.SimulationRunner.run = inner
    c.pad()


def main():
    ap = argparse.ArgumentParser(description="Run a classic tuner on a tttd-space --table landscape.")
    ap.add_argument("--table", required=True, help="tttd-space --table output")
    ap.add_argument("--method", required=True, choices=["tpe", "cmaes", "bayes_opt"])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..S (default 5)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--budget", type=int, default=512)
    ap.add_argument("--stop-ns", type=float, default=None,
                    help="stop a seed once its best time is at most this (its series carried flat)")
    ap.add_argument("-o", "--output", default="-", help="series file (default stdout)")
    a = ap.parse_args()
    if a.seeds < 1 or a.budget < 1:
        ap.error("--seeds and --budget must be at least 1")
    land = Landscape(a.table)
    out = sys.stdout if a.output == "-" else open(a.output + ".tmp", "w")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            c = Counter(land, a.method, seed, a.budget, out, a.stop_ns)
            if a.method == "bayes_opt":
                run_bayes_opt(land, seed, c, tmp)
            else:
                run_optuna(land, a.method, seed, c)
            c.pad()
            out.flush()
    if out is not sys.stdout:
        out.close()
        os.replace(a.output + ".tmp", a.output)


if __name__ == "__main__":
    main()
