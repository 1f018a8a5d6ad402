#!/usr/bin/env bash
# Stages replaced by commands inside tttd-discover, with nothing of tttd on
# PATH (the pipeline finds its tools beside itself; a command gets TTTD_BIN):
# - --generate-cmd: a generator in Python that writes decisions only, as JSON
#   lines through tttd-cat -j, one of them bad on purpose; two steps run, the
#   bad one is an "invalid" failure, the others are rendered (tttd-render) and
#   measured, and the run ends with a best kernel.
# - --bench-cmd: tttd-bench wrapped by a shell command, for the steps and the
#   final A/B; the run measures what a plain run measures.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
task=$top/tests/data/tasks/synthetic
discover=$top/pipelines/tttd-discover.sh
cat=$top/bin/tttd-cat
export PATH=/usr/bin:/bin XDG_DATA_HOME=$tmp/xdg

cat >"$tmp/gen.py" <<'PY'
# A generator in another language: each parent's children change one of its
# decisions at random (all of them for a root); options from the task file.
import json, os, random, sys
args = sys.argv[1:]
children = int(args[args.index("--children") + 1])
seed = int(args[args.index("--seed") + 1])
step = int(os.environ["TTTD_STEP"])
opts = {}
with open(os.path.join(os.environ["TTTD_TASK"], "task")) as f:
    for line in f:
        w = line.split()
        if w and w[0] == "decision":
            opts[w[1]] = w[2:]
rng = random.Random(seed * 1000 + step)
for p in map(json.loads, sys.stdin):
    for k in range(children):
        d = dict(p.get("decisions") or {})
        if not d:
            d = {n: rng.choice(o) for n, o in opts.items()}
        else:
            n = rng.choice(sorted(opts))
            d[n] = rng.choice(opts[n])
        if step == 0 and k == 0 and p.get("rank") == 0:
            d["A"] = "9"  # not an option of A: a failure record, not a crash
        print(json.dumps({"kind": "candidate", "parent": p["id"], "decisions": d, "policy": "gen.py"}))
PY
gen='"$TTTD_BIN/tttd-cat" | python3 "$TTTD_RUN/../gen.py" "$@" | "$TTTD_BIN/tttd-cat" -j'
"$discover" -q --task "$task" --run "$tmp/g" --steps 2 --groups 2 --children 3 --seed 4 --no-results \
	--generate-cmd "$gen" 2>"$tmp/g.err" || { cat "$tmp/g.err" "$tmp"/g/log/*.log; echo "FAIL: --generate-cmd run"; exit 1; }
cat "$tmp"/g/steps/*.mp | "$cat" >"$tmp/g.json"
[ "$(wc -l <"$tmp/g.json")" = 12 ] || { echo "FAIL: $(wc -l <"$tmp/g.json") records, want 12"; exit 1; }
[ "$(jq -r 'select(.status == "invalid") | .reason' "$tmp/g.json")" = "unknown option '9' for decision 'A' in task 'synthetic'" ] ||
	{ echo "FAIL: no invalid record for the bad decisions"; exit 1; }
[ "$(jq -r .policy "$tmp/g.json" | sort -u)" = gen.py ] || { echo "FAIL: the generator's keys did not pass through"; exit 1; }
[ "$(jq -c 'select(.status == "ok")' "$tmp/g.json" | wc -l)" -ge 8 ] || { echo "FAIL: too few measured candidates"; exit 1; }
# every rendered candidate's source is the template's, for its decisions
jq -e -s 'map(select(.status == "ok")) | all(.source | startswith("/* tttd: task synthetic, decisions: A="))' "$tmp/g.json" >/dev/null ||
	{ echo "FAIL: a candidate without its rendered source"; exit 1; }
grep -qx 'generator=cmd' "$tmp/g/config" || { echo "FAIL: the run does not name its generator"; exit 1; }
jq -e '.status == "ok" and .time_ns > 0' "$tmp/g/best/record.json" >/dev/null || { echo "FAIL: no best kernel"; exit 1; }
test -s "$tmp/g/best/kernel.c"

# --bench-cmd: the same run as a plain one, every measurement through the command.
args=(-q --task "$task" --steps 2 --groups 2 --children 3 --seed 4 --no-results --paper)
"$discover" "${args[@]}" --run "$tmp/plain" 2>"$tmp/p.err" || { cat "$tmp/p.err"; echo "FAIL: plain run"; exit 1; }
"$discover" "${args[@]}" --run "$tmp/b" --bench-cmd 'echo "$TTTD_STEP $*" >>"$TTTD_RUN/../bench.calls"; "$TTTD_BIN/tttd-bench" "$@"' \
	2>"$tmp/b.err" || { cat "$tmp/b.err"; echo "FAIL: --bench-cmd run"; exit 1; }
[ "$(wc -l <"$tmp/bench.calls")" = 3 ] || { cat "$tmp/bench.calls"; echo "FAIL: want 3 bench calls (2 steps, the A/B)"; exit 1; }
grep -q -- '--paired' "$tmp/bench.calls" || { echo "FAIL: the A/B did not go through --bench-cmd"; exit 1; }
for r in plain b; do cat "$tmp/$r"/steps/*.mp | "$cat" | jq -r '[.id, .status, .time_ns] | @tsv' >"$tmp/$r.tsv"; done
cmp "$tmp/plain.tsv" "$tmp/b.tsv" || { echo "FAIL: --bench-cmd measured otherwise than tttd-bench"; exit 1; }
jq -e '.status == "ok"' "$tmp/b/best/record.json" >/dev/null
# a bench command that fails stops the run with the step's message
if "$discover" "${args[@]}" --run "$tmp/f" --bench-cmd 'exit 3' 2>"$tmp/f.err"; then echo "FAIL: a failing --bench-cmd passed"; exit 1; fi
grep -q 'step 0 failed' "$tmp/f.err" || { cat "$tmp/f.err"; echo "FAIL: no step message"; exit 1; }
echo "ok: a Python generator and a wrapped bench ran inside tttd-discover"
