#!/usr/bin/env python3
"""bench/peers.py: well-known tuners on a model task's landscape, counted the
way bench/ablation.sh counts tttd's own methods.

The landscape is `tttd-space --table TASK` (every feasible choice of a model
task and its time in ns, 0 = failing).  Each tuner searches the full product
of the decisions' options, as it would a kernel's tunable parameters:

  - every request of a feasible choice is one evaluation, repeats included
    (a repeat would cost a compile and a bench in a live run);
  - a request outside the constraints (not in the table) is free: it is
    refused and nothing is counted;
  - a failing choice (time 0) counts.

What a tuner is told of a request that gave no time (refused or failing; they
differ in what they cost, not in what the tuner hears, except for the
distance below):

  - Optuna (tpe, cmaes): a COMPLETE trial with the value P * (1 + d), where P
    is twice the slowest time of the table (worse than every time) and d is
    the number of decisions that must change for the request to meet the
    constraints: its Hamming distance to the nearest feasible choice, 0 for a
    failing choice (feasible, so nothing a tuner could not know without
    running it is told).  TPE is also told d as a constraint
    (Trial.set_constraint; 0 for every feasible request), which ranks the
    trials outside the constraints below every feasible one, the nearer
    first.  Why: Optuna's samplers ignore FAIL trials, and a flat penalty
    says nothing of where the feasible choices are; told either, TPE and
    CMA-ES were refused thousands of times without one evaluation on
    bench/data/gemm-h200 (7116 feasible choices among 179,159,040
    combinations).  The distance is what a user who knows the constraints
    would tell a tuner.  CMA-ES takes no constraints: it gets the value alone.
  - Kernel Tuner (bayes_opt): its search space is the table's feasible
    choices (a restriction, so it never sends a request outside them; on a
    product of more than 10 million combinations the list of them is handed
    to it, rather than found by its solver calling the restriction on every
    one), and a failing choice is a failed configuration, which its strategy
    keeps out of its model (run_bayes_opt says why that needs a patch to
    Kernel Tuner 1.5.0).

Refusals are capped: a run ends, padded with its best so far, after 200 x
budget refusals, or 10 x budget in a row (a tuner that cannot leave the
infeasible region would never spend its budget).

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
        # what Optuna is told of a request that gave no time: worse than
        # every time of the landscape (its samplers use the values' ranks
        # only, so any such value does; 1 ns when no choice is correct)
        self.penalty = 2 * max(self.time.values()) or 1.0
        self.matrix = None

    def distance(self, key):
        """How many decisions of KEY must change to make it a feasible choice."""
        import numpy as np

        if self.matrix is None:
            index = [{v: i for i, v in enumerate(o)} for o in self.opts]
            self.index = index
            self.matrix = np.array([[index[d][v] for d, v in enumerate(k)] for k in self.time],
                                   dtype=np.int16)
        row = np.array([self.index[d][v] for d, v in enumerate(key)], dtype=np.int16)
        return int((self.matrix != row).sum(axis=1).min())


class Counter:
    """Counts evaluation requests and writes the best-so-far series."""

    def __init__(self, land, method, seed, budget, out, stop_ns=None):
        self.land, self.method, self.seed, self.budget, self.out = land, method, seed, budget, out
        self.stop_ns = stop_ns
        self.n = 0
        self.best = math.inf
        self.refused = None  # requests refused (Optuna's tuners; None: not counted)

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
    tpe = sampler_name == "tpe"
    if tpe:
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        sampler = optuna.samplers.CmaEsSampler(seed=seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    refused = streak = 0
    while True:
        trial = study.ask()
        if tpe:
            key = tuple(trial.suggest_categorical(n, land.opts[d]) for d, n in enumerate(land.names))
        else:
            key = tuple(land.opts[d][trial.suggest_int(n, 0, len(land.opts[d]) - 1)]
                        for d, n in enumerate(land.names))
        ok = c.feasible(key)
        if ok:
            try:
                t = c.evaluate(key)
            except Budget:
                break
        else:
            refused += 1
            t = 0
        # The module docstring's rule: no time (refused: free; failing:
        # counted) is told as P * (1 + d), d the distance to the constraints
        # (0 when feasible), and to TPE d as a constraint as well.
        d = 0 if ok else land.distance(key)
        if tpe:
            trial.set_constraint("decisions_to_change", float(d))
        study.tell(trial, t if t > 0 else land.penalty * (1 + d))
        if c.n >= c.budget:
            break
        # a tuner stuck outside the constraints would never spend its budget
        # (CMA-ES, once its steps have shrunk around a refused point, asks
        # for it again and again: on gemm-h200 some seeds did for minutes)
        streak = 0 if ok else streak + 1
        if refused > 200 * c.budget or streak > 10 * c.budget:
            break
    c.refused = refused


def run_bayes_opt(land, seed, c, tmpdir):
    import numpy as np
    from kernel_tuner import searchspace, tune_kernel
    from kernel_tuner import util as ktu
    from kernel_tuner.runners import simulation
    from kernel_tuner.strategies import bayes_opt as kbo

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

    # The space Kernel Tuner's solver builds from the restriction is exactly
    # the table's choices; it finds them by calling the restriction (a
    # function of all parameters) on every point of the product, 179 million
    # on gemm-h200 (12 CPU minutes and more per seed).  On a product that
    # large it is handed the list instead (sorted; the solver's order differs,
    # which changes only which points a seed's random start draws); on the
    # smaller ones it builds it as before.
    build = searchspace.Searchspace._Searchspace__build_searchspace

    def table_space(self, block_size_names, max_threads, solver):
        space = sorted(valid)
        return space, dict(zip(space, range(len(space)))), len(space)

    # Kernel Tuner 1.5.0 scores a failed configuration sys.float_info.max
    # (util.get_result_cost), but its bayes_opt tells a failure by its own
    # invalid value (1e20), so a failing choice entered its Gaussian process
    # as a time of 1.8e308 and made the model NaN (numpy's overflow
    # warnings) for the rest of the run.  The strategy is given both as
    # invalid, which keeps failures out of its model as it means to.
    kt_is_valid = kbo.BayesianOptimization.is_valid

    def is_valid(self, observation):
        return kt_is_valid(self, observation) and observation != sys.float_info.max

    kbo.BayesianOptimization.is_valid = is_valid
    simulation.SimulationRunner.run = counted
    if math.prod(len(o) for o in land.opts) > 10_000_000:
        searchspace.Searchspace._Searchspace__build_searchspace = table_space
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
        kbo.BayesianOptimization.is_valid = kt_is_valid
        searchspace.Searchspace._Searchspace__build_searchspace = build


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
            n = c.n
            c.pad()
            out.flush()
            # on stderr (ablation.sh keeps it as the run's log): what the
            # run cost, for the docs
            print(f"peers.py: {a.method} seed {seed}: {n} evaluations"
                  + ("" if c.refused is None else f", {c.refused} requests refused"),
                  file=sys.stderr)
    if out is not sys.stdout:
        out.close()
        os.replace(a.output + ".tmp", a.output)


if __name__ == "__main__":
    main()
