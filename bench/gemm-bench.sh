#!/bin/bash
# bench/gemm-bench.sh - kernels/gemm configurations through the real tools:
# each operand's NAME=value words select the first feasible choice that
# matches them (the task's first options with those words in place, rendered
# by tttd-render; if that is infeasible, the first match in tttd-space
# --list's whole space), and tttd-compile | tttd-bench
# check it at every check shape and time it at each bench shape beside
# cuBLAS (same worker, same protocol; tttd-bench --paired: one cuBLAS call
# after each timed call, so each ratio compares adjacent calls and comes with
# its 95% interval).  Prints one line per configuration:
# status, then per bench shape the median and its confidence interval, the
# cuBLAS median and the ratio (cuBLAS time over ours: above 1 is faster).
# Needs the tools built with CUDA=1 (`. tests/gpu/deps.sh; make CUDA=1`).
set -u

usage() {
	cat <<'USAGE'
usage: gemm-bench.sh [-h] [-a arch] [-o dir] [-t seconds] ["PATH=tma HBM=128 ..." ...]

Check and time kernels/gemm configurations with tttd-compile | tttd-bench.
With no operand: the mma path's measured best and the tma path's first options.

  -a arch     compile for (default sm_90a)
  -o dir      where records go (default $OUT or /tmp/gemm-bench)
  -t seconds  tttd-bench --max-time per candidate (default 2)
  -h          this help
USAGE
}

top=$(cd "$(dirname "$0")/.." && pwd)
arch=sm_90a maxt=2
out=${OUT:-/tmp/gemm-bench}
case ${1:-} in
--help) usage; exit 0 ;;
--*) echo "gemm-bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
while getopts ha:o:t: opt; do
	case $opt in
	h) usage; exit 0 ;;
	a) arch=$OPTARG ;;
	o) out=$OPTARG ;;
	t) maxt=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] && set -- "PATH=mma BM=256 BN=128 BK=32 WM=64 WN=64 STAGES=4 SWIZZLE=1 GROUP_M=8 MINB=1 SPLITK=1" \
	"PATH=tma HBM=128 HBN=256 HST=4 HCL=2 HGRP=8 HPERS=1"
export PATH="$top/bin:$PATH"
cd "$top" || exit 1
mkdir -p "$out" || exit 1
trap 'rm -f "$out/space.jsonl"' EXIT
# The task's first options (the space's first record; the pipe stops there).
first=$(tttd-space --list kernels/gemm 2>/dev/null | tttd-cat | head -1 | jq -c '.decisions')
[ -n "$first" ] || { echo "gemm-bench.sh: cannot list kernels/gemm" >&2; exit 1; }
: >"$out/cands.jsonl"
for cfg in "$@"; do
	q=$(printf '%s\n' $cfg | jq -Rn '[inputs | split("=") | {(.[0]): .[1]}] | add')
	# The first options with cfg's words in place: the first feasible choice
	# that matches, when it is feasible (rendered alone, no space listing).
	jq -cn --argjson d "$first" --argjson q "$q" '{v: 1, kind: "candidate", task: "gemm", step: 0,
		parent: "", parent_decisions: {}, group: "0/bench", status: "generated", decisions: ($d + $q)}' |
		tttd-cat -j | tttd-render -q --task kernels/gemm 2>/dev/null | tttd-cat |
		jq -c 'select(.status == "generated")' >"$out/one.jsonl"
	if [ ! -s "$out/one.jsonl" ]; then
		# Otherwise the first feasible choice that matches, from the whole
		# space (listed once: every rendered source, about 280 MB).
		[ -s "$out/space.jsonl" ] || tttd-space --list kernels/gemm 2>/dev/null | tttd-cat >"$out/space.jsonl" || exit 1
		jq -c --argjson q "$q" 'select(.decisions as $d | $q | to_entries | all(.value == $d[.key]))' \
			"$out/space.jsonl" | head -1 >"$out/one.jsonl"
	fi
	[ -s "$out/one.jsonl" ] || { echo "gemm-bench.sh: no feasible choice matches '$cfg'" >&2; exit 2; }
	cat "$out/one.jsonl" >>"$out/cands.jsonl"
done
tttd-cat -j "$out/cands.jsonl" | tttd-compile -q -j "$(nproc)" --arch "$arch" |
	tttd-bench -q --backend cuda --task kernels/gemm --timeout ${GEMM_BENCH_TIMEOUT:-60} --max-time "$maxt" --paired 2>"$out/bench.err" |
	tttd-cat >"$out/bench.jsonl"
echo "== gemm-bench ($(jq -r '.device' "$out/bench.jsonl" | head -1))"
jq -r '
	def us: . / 1000 | . * 10 | round / 10;
	(.decisions | if .PATH == "tma" then with_entries(select(.key == "PATH" or (.key | startswith("H"))))
	 else with_entries(select(.key | startswith("H") | not)) end
	 | to_entries | map("\(.key)=\(.value)") | join(" ")) as $d
	| "\(.status) \(.reason // "" | .[0:100]) | \($d)"
	+ ([(.timing // [])[] | "  \(.shape | join("x")): \(.median_ns | us) us [\(.ci_lo_ns | us), \(.ci_hi_ns | us)] n=\(.n), cuBLAS \((.baseline_ns // 0) | us) us, ratio \((.baseline_ratio // 0) * 1000 | round / 1000)\(if .baseline_ratio_ci then " [\(.baseline_ratio_ci[0] * 1000 | round / 1000), \(.baseline_ratio_ci[1] * 1000 | round / 1000)]" else "" end)"] | join(""))
	+ "  max_abs_err \(.check.max_abs_err // "-")"' "$out/bench.jsonl"
