#!/bin/bash
# bench/gpu-bench.sh - the device benchmark: a short discovery
# (pipelines/tttd-discover.sh) on each GPU task, then per task the best
# time, its ratio to cuBLAS (baseline_ratio = baseline_ns / time_ns, gemm)
# and to the bandwidth floor (floor_ns / time_ns; floor_ns comes from the
# peaks tttd-bench measured), candidates benchmarked per minute, and how busy
# the GPU was.  It needs the tools built with CUDA=1 (tests/gpu/run.sh
# builds them) and prints a markdown table for docs/benchmarks.md.
#
# Usage: bench/gpu-bench.sh [steps] [groups] [children]   (default 3 2 4)
# Runs go under $OUT/runs (default /tmp/tttd-bench-gpu); BENCH_TASKS
# overrides the task list, BENCH_TIME the per-task limit in seconds (60),
# BENCH_BACKEND the backend (cuda; cpu only to try the script out).
#
# GPU busy share, two ways, both over the task's wall time:
#   timed: the sum over candidates of the timed repetitions (n x mean_ns),
#          i.e. kernel time only, a lower bound;
#   bench: the sum of bench_ms (checks, reference runs, uploads, timing),
#          an upper bound on what the GPU was given to do.
set -u
usage() {
	cat <<'USAGE'
usage: gpu-bench.sh [-h] [steps] [groups] [children]

A short discovery (default 3 steps of 2 x 4 candidates) on each GPU task, then
per task the best time, its ratio to cuBLAS and to the bandwidth floor,
candidates per minute and how busy the GPU was: a markdown table for
docs/benchmarks.md.  Needs the tools built with CUDA=1 and a GPU.

Environment: OUT (default /tmp/tttd-bench-gpu), BENCH_TASKS (default
"gemm softmax_cuda layernorm"), BENCH_TIME (seconds per task, 60),
BENCH_BACKEND (cuda; cpu only to try the script out), TTTD_ARCH (sm_90a).
USAGE
}
case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) echo "gpu-bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
[ $# -le 3 ] || { echo "gpu-bench.sh: too many arguments" >&2; usage >&2; exit 2; }
for n in "${1:-3}" "${2:-2}" "${3:-4}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "gpu-bench.sh: invalid number '$n'" >&2; exit 2; }
done
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
steps=${1:-3} groups=${2:-2} children=${3:-4}
out=${OUT:-/tmp/tttd-bench-gpu}
mkdir -p "$out/runs"
: >"$out/best.txt"
# tttd-compile needs --arch for cuda candidates, and the pipeline passes
# none and puts its own ../bin first on PATH.  So the pipeline runs from a
# copy in $out/pipe whose bin/ links the real tools, except tttd-compile: a
# shim that adds --arch (TTTD_ARCH, default sm_90a).
pipe="$out/pipe"
rm -rf "$pipe"
mkdir -p "$pipe/bin" "$pipe/pipelines"
cp pipelines/tttd-discover.sh "$pipe/pipelines/"
ln -s "$top/kernels" "$pipe/kernels"
for t in "$top"/bin/tttd-*; do ln -s "$t" "$pipe/bin/"; done
rm -f "$pipe/bin/tttd-compile"
printf '#!/bin/sh\nexec "%s/bin/tttd-compile" --arch "%s" "$@"\n' "$top" "${TTTD_ARCH:-sm_90a}" \
	>"$pipe/bin/tttd-compile"
chmod +x "$pipe/bin/tttd-compile"
export PATH="$top/bin:$PATH"
tasks=${BENCH_TASKS:-gemm softmax_cuda layernorm}
res="$out/gpu-bench.md"
{
	echo "| task | best time | vs cuBLAS | vs floor | benched | per minute | GPU busy (timed / bench) | wall |"
	echo "|---|---|---|---|---|---|---|---|"
} >"$res"
for task in $tasks; do
	run="$out/runs/$task"
	rm -rf "$run"
	t0=$(date +%s.%N)
	"$pipe/pipelines/tttd-discover.sh" --backend "${BENCH_BACKEND:-cuda}" --task "$task" --run "$run" --steps "$steps" \
		--groups "$groups" --children "$children" --time "${BENCH_TIME:-60}" --timeout 20 \
		>"$out/$task.log" 2>&1 || echo "gpu-bench: $task: discovery failed (see $out/$task.log)"
	t1=$(date +%s.%N)
	cat "$run"/steps/[0-9]*.mp 2>/dev/null | tttd-cat 2>/dev/null |
		jq -c 'select(.kind == "candidate" and has("bench_ms"))' >"$out/$task.jsonl"
	jq -rs --arg task "$task" --argjson wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" '
		def r(x): (x * 100 | round) / 100;
		(map(select(.status == "ok")) | sort_by(.time_ns)) as $ok
		| ($ok[0] // {}) as $b
		| (map(.bench_ms) | add // 0) as $bms
		| (map((.timing // [])[] | .n * .mean_ns) | add // 0) as $tns
		| "| \($task) | \(if $b.time_ns then "\(r($b.time_ns / 1000)) us" else "-" end)"
		+ " | \(if $b.baseline_ratio then "\(r($b.baseline_ratio * 100))%" else "-" end)"
		+ " | \(if $b.floor_ns then "\(r($b.floor_ns / $b.time_ns * 100))%" else "-" end)"
		+ " | \(length) (\($ok | length) ok)"
		+ " | \(r(length / ($wall / 60)))"
		+ " | \(r($tns / 1e9 / $wall * 100))% / \(r($bms / 1000 / $wall * 100))%"
		+ " | \(r($wall)) s |"' "$out/$task.jsonl" >>"$res"
	jq -rs 'map(select(.status == "ok")) | sort_by(.time_ns) | .[0] |
		"  best \(.task): \(.decisions | tostring) on \(.device)"' "$out/$task.jsonl" >>"$out/best.txt"
done
cat "$res" "$out/best.txt"
