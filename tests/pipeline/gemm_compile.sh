#!/usr/bin/env bash
# kernels/gemm's Hopper path compiles (no GPU needed): a systematic sample of
# the feasible PATH=tma configurations (every 111th of them in tttd-space
# --list order, which mixes tile shapes, cluster sizes, HSK and HEPI options,
# plus the task's first options, and the first with stream-K, HSK=1, and
# with each TMA-store epilogue, HEPI=1 and 2, and ping-pong, HPP=1, at both
# of its tile shapes) goes through
# tttd-compile with NVRTC for sm_90a.  Each must compile, spill nothing, and keep setmaxnreg
# and the wgmma pipeline intact: ptxas warns when it ignores setmaxnreg
# (C7508) or serializes wgmma (C7517), and no such warning may appear.  One
# PATH=mma configuration (the old kernel beside it) must compile too.
# Correctness and speed are the device's (bench/gemm-tma.sh,
# bench/gemm-bench.sh).  Skipped when tttd was built without the CUDA toolkit.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
if [ ! -f "${CUDA_HOME:-/usr/local/cuda}/include/nvrtc.h" ]; then
	echo "skipped: no CUDA toolkit (NVRTC) on this machine"
	exit 0
fi
export PATH="$top/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tttd-space --list kernels/gemm 2>/dev/null | tttd-cat >"$tmp/space.jsonl"
jq -c 'select(.decisions.PATH == "tma")' "$tmp/space.jsonl" >"$tmp/tma.jsonl"
ntma=$(wc -l <"$tmp/tma.jsonl")
[ "$ntma" -ge 100 ] || { echo "expected at least 100 tma configurations, got $ntma"; exit 1; }
{
	awk 'NR % 111 == 1' "$tmp/tma.jsonl"
	jq -cn 'first(inputs | select(.decisions.HSK == "1"))' "$tmp/tma.jsonl"
	jq -cn 'first(inputs | select(.decisions.HEPI == "1"))' "$tmp/tma.jsonl"
	jq -cn 'first(inputs | select(.decisions.HEPI == "2" and .decisions.HBM == "128"))' "$tmp/tma.jsonl"
	jq -cn 'first(inputs | select(.decisions.HPP == "1" and .decisions.HBM == "128"))' "$tmp/tma.jsonl"
	jq -cn 'first(inputs | select(.decisions.HPP == "1" and .decisions.HBM == "64"))' "$tmp/tma.jsonl"
	jq -cn 'first(inputs | select(.decisions.PATH == "mma"))' "$tmp/space.jsonl"
} >"$tmp/sample.jsonl"
n=$(wc -l <"$tmp/sample.jsonl")
tttd-cat -j "$tmp/sample.jsonl" | tttd-compile -q -j 2 --arch sm_90a | tttd-cat |
	jq -c '{d: (.decisions | to_entries | map(select(.key == "PATH" or (.key | startswith("H")))) | from_entries),
		status, reason, r: .resources, warn: ((.compile_log // "") | test("C7508|C7517|setmaxnreg|serializ"))}' \
	>"$tmp/out.jsonl"
bad=$(jq -r 'select(.status != "compiled" or .r.spill_stores != 0 or .r.spill_loads != 0 or .warn)
	| "\(.d | tostring): \(.status) \(.reason // "") spills \(.r.spill_stores)/\(.r.spill_loads) warning \(.warn)"' "$tmp/out.jsonl")
[ "$(wc -l <"$tmp/out.jsonl")" = "$n" ] || { echo "expected $n records"; exit 1; }
[ -z "$bad" ] || { echo "$bad"; exit 1; }
echo "gemm: $((n - 1)) of $ntma tma configurations and one mma configuration compiled for sm_90a, no spills, no C7508/C7517"
echo ok
