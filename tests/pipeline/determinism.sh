#!/usr/bin/env bash
# The same seed, task and budget give the same archive.  Real timings vary
# from run to run, so this uses the model task tests/data/tasks/synthetic,
# whose "times" are a deterministic function of the decisions; every stage
# (PUCT, sampling, scoring, training) is the real one.  Wall-clock fields
# (compile_ms, bench_ms) are the only keys allowed to differ.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
task=tests/data/tasks/synthetic
for r in a b c; do
	seed=11
	[ $r = c ] && seed=12
	pipelines/tttd-discover.sh -q --task $task --run "$tmp/$r" --steps 5 --groups 4 --children 8 --seed $seed
done
norm() { cat "$1"/steps/*.mp | tttd-cat | jq -c 'del(.compile_ms, .bench_ms)'; }
norm "$tmp/a" >"$tmp/a.jsonl"
norm "$tmp/b" >"$tmp/b.jsonl"
norm "$tmp/c" >"$tmp/c.jsonl"
[ "$(wc -l <"$tmp/a.jsonl")" = 160 ] || { echo "expected 160 records"; exit 1; }
cmp "$tmp/a.jsonl" "$tmp/b.jsonl" || { echo "same seed, different archives"; diff "$tmp/a.jsonl" "$tmp/b.jsonl" | head; exit 1; }
cmp -s "$tmp/a.jsonl" "$tmp/c.jsonl" && { echo "different seeds gave the same archive"; exit 1; }
# The checkpoints are identical too.
cmp "$tmp/a/policy/000004.ckpt" "$tmp/b/policy/000004.ckpt"
# The search improves on its first step: the best of the run beats the best of step 0.
b0=$(tttd-cat "$tmp/a/steps/000000.mp" | jq -s 'map(select(.status == "ok") | .time_ns) | min')
ball=$(jq -s 'map(select(.status == "ok") | .time_ns) | min' "$tmp/a.jsonl")
awk -v a="$b0" -v b="$ball" 'BEGIN { exit !(b < a) }' || { echo "no improvement after step 0: $b0 -> $ball"; exit 1; }
echo "ok: identical archives; best $b0 ns at step 0 -> $ball ns"
