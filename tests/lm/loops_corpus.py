#!/usr/bin/env python3
"""Write the corpus a tiny model is fitted on before it serves kernels/loops
(tests/lm/loop.sh, bench/lm-learn.sh): prompts as tttd-generate --prompts
builds them, for the root and for parents holding each loop order with a
made-up time, each paired with one of the six loop orders drawn uniformly,
so that the fitted model writes every order about equally often and has
everything to learn from the rewards.

    loops_corpus.py --out pairs.jsonl [--pairs N] [--seed S] [--hardware TEXT] [--task DIR]

tttd-generate and tttd-cat must be on PATH.
"""
import argparse
import itertools
import json
import random
import subprocess

BOUND = {"i": "M", "j": "N", "k": "K"}
# made-up times of each order (ns): what the parents of the prompts show
TIME = {"ikj": 2.0e6, "kij": 2.3e6, "ijk": 8.5e6, "jik": 10e6, "jki": 30e6, "kji": 26e6}


def source(order):
    lines = ["void tttd_kernel(void **buf, const long *dim)", "{",
             "\tconst float *A = buf[0], *B = buf[1];", "\tfloat *C = buf[2];",
             "\tlong M = dim[0], N = dim[1], K = dim[2];", "",
             "\tfor (long x = 0; x < M * N; x++)", "\t\tC[x] = 0.0f;"]
    for depth, v in enumerate(order):
        lines.append("\t" * (depth + 1) + f"for (long {v} = 0; {v} < {BOUND[v]}; {v}++)")
    lines.append("\t" * 4 + "C[i * N + j] += A[i * K + k] * B[k * N + j];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--pairs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hardware", default="a test CPU")
    ap.add_argument("--task", default="loops")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    orders = ["".join(p) for p in itertools.permutations("ijk")]
    parents = [{"kind": "parent", "id": "root0", "task": "loops", "step": 0, "decisions": {}, "root": True,
                "rank": 0}]
    # many parents with times spread around each order's: a run's prompts show real, varied numbers
    for n, o in enumerate(orders * 20):
        t = TIME[o] * rnd.uniform(0.6, 1.6)
        parents.append({"kind": "parent", "id": f"p{n}", "task": "loops", "step": 1 + n % 5, "decisions": {},
                        "root": False, "rank": n, "source": source(o), "time_ns": t,
                        "timing": [{"shape": [64, 256, 256], "median_ns": t}]})
    lines = "".join(json.dumps(p) + "\n" for p in parents)
    recs = subprocess.run("tttd-cat -j | tttd-generate --prompts --task " + a.task + " --hardware '"
                          + a.hardware + "' | tttd-cat", shell=True, input=lines, capture_output=True,
                          text=True, check=True).stdout
    prompts = [json.loads(r)["prompt"] for r in recs.splitlines()]
    with open(a.out, "w") as f:
        for _ in range(a.pairs):
            # the root's prompt often (step 0 starts there), the parents' the rest of the time
            p = prompts[0] if rnd.random() < 0.3 else rnd.choice(prompts[1:])
            f.write(json.dumps({"prompt": p, "completion": source(rnd.choice(orders)) + "```\n"}) + "\n")


if __name__ == "__main__":
    main()
