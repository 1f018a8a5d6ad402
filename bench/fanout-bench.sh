#!/bin/bash
# bench/fanout-bench.sh - bench throughput of pipelines/tttd-fanout.sh on 1
# and on 2 (or more) GPUs for the same task and the same compiled batch:
# candidates benchmarked per minute, and the speed-up over one GPU.
#
# It generates one batch (tttd-select with an empty archive | tttd-generate
# | tttd-compile, compiled once, outside the timed part), then times
# tttd-fanout --gpus g over that batch for each g in BENCH_GPUS.  It does not
# run a discovery loop: only the bench stage is measured, which is the stage
# the fan-out replaces.  It prints a markdown table for docs/scale-out.md.
#
# Usage: bench/fanout-bench.sh [task] [groups] [children]   (default gemm 3 8)
# Needs the tools built (make CUDA=1 on the device machine).  Environment:
#   OUT            where the batch, outputs and table go (default /tmp/tttd-fanout-bench)
#   BENCH_GPUS     the GPU counts to try (default "1 2")
#   BENCH_BACKEND  cuda (default) or cpu (then --workers g: to try the script out)
#   BENCH_MAXTIME  tttd-bench --max-time per candidate (default 1, as tttd-discover)
set -u
usage() {
	cat <<'USAGE'
usage: fanout-bench.sh [-h] [task] [groups] [children]

Candidates benchmarked per minute by tttd-fanout on 1 and on 2 (or more) GPUs
for one compiled batch of groups x children candidates of task (default
gemm 3 8), and the speed-up over one GPU; a markdown table for
docs/scale-out.md.  Needs the tools built with CUDA=1 and a GPU, or
BENCH_BACKEND=cpu (simulated workers).

Environment: OUT (default /tmp/tttd-fanout-bench), BENCH_GPUS (default "1 2"),
BENCH_BACKEND (cuda or cpu), BENCH_MAXTIME (tttd-bench --max-time, default 1).
USAGE
}
case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) echo "fanout-bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
[ $# -le 3 ] || { echo "fanout-bench.sh: too many arguments" >&2; usage >&2; exit 2; }
for n in "${2:-3}" "${3:-8}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "fanout-bench.sh: invalid number '$n'" >&2; exit 2; }
done
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export PATH="$top/bin:$PATH"
task=${1:-gemm} groups=${2:-3} children=${3:-8}
out=${OUT:-/tmp/tttd-fanout-bench}
backend=${BENCH_BACKEND:-cuda}
mkdir -p "$out"
compile_opt=()
if [ "$backend" = cuda ]; then
	cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader -i 0 | tr -d '. \r')
	if [ "$cc" -ge 90 ]; then arch=sm_${cc}a; else arch=sm_$cc; fi
	compile_opt=(--arch "$arch")
	device=$(nvidia-smi --query-gpu=name --format=csv,noheader -i 0)
	ngpu=$(nvidia-smi -L | grep -c '^GPU')
else
	device="$(nproc) CPUs (simulated workers)"
	ngpu=-
fi
echo "fanout-bench: $task, $((groups * children)) candidates, backend $backend, $device x $ngpu"
echo "fanout-bench: runner: $(parallel --will-cite --version 2>/dev/null | head -n 1 || echo 'none (shell fallback)')"

t0=$(date +%s.%N)
tttd-select --task "$task" --groups "$groups" --step 0 </dev/null 2>"$out/gen.log" |
	tttd-generate --task "$task" --children "$children" --seed 1 2>>"$out/gen.log" |
	tttd-compile -q -j "$(nproc)" "${compile_opt[@]}" -o "$out/batch.mp" 2>>"$out/gen.log" ||
	{ echo "fanout-bench: generating the batch failed:"; cat "$out/gen.log"; exit 1; }
n=$(tttd-cat "$out/batch.mp" | wc -l)
echo "fanout-bench: $n candidates compiled in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

res=$out/fanout-bench.md
{
	echo "| GPUs | candidates | ok | wall s | per minute | vs 1 GPU |"
	echo "|---|---|---|---|---|---|"
} >"$res"
base=
for g in ${BENCH_GPUS:-1 2}; do
	if [ "$backend" = cuda ]; then sel=(--gpus "$g"); else sel=(--workers "$g"); fi
	t0=$(date +%s.%N)
	pipelines/tttd-fanout.sh -q "${sel[@]}" --backend "$backend" --task "$task" --seed 1 --timeout 20 \
		--max-time "${BENCH_MAXTIME:-1}" -o "$out/fan$g.mp" "$out/batch.mp" 2>"$out/fan$g.log" ||
		{ echo "fanout-bench: $g GPUs: failed:"; cat "$out/fan$g.log"; continue; }
	t1=$(date +%s.%N)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	ok=$(tttd-cat "$out/fan$g.mp" | jq -c 'select(.status == "ok")' | wc -l)
	got=$(tttd-cat "$out/fan$g.mp" | wc -l)
	pm=$(awk -v n="$got" -v w="$wall" 'BEGIN { printf "%.2f", n / w * 60 }')
	[ -n "$base" ] || base=$pm
	ratio=$(awk -v a="$pm" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')
	echo "| $g | $got | $ok | $wall | $pm | $ratio |" >>"$res"
	tttd-cat "$out/fan$g.mp" | jq -r '.device' | sort | uniq -c | sed "s/^/fanout-bench: $g GPUs: device names: /"
done
cat "$res"
