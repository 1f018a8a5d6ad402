#!/usr/bin/env bash
# Every GPU candidate of the device suite compiles (no GPU needed): the
# hostile batch (tests/gpu/hostile: one candidate per exploit class, the
# task's reference and good kernel) and the fault batch (tests/gpu/faults)
# go through tttd-compile with NVRTC for sm_90a, as tests/gpu/run.sh sends
# them, so a change that breaks one is caught here and not first on the
# device.  Skipped when there is no CUDA toolkit (NVRTC).
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
files=(tests/gpu/hostile/*.cu tests/gpu/faults/*.cu)
n=${#files[@]}
for f in "${files[@]}"; do
	# The cheats are sent after cheat.cuh, as tests/gpu/hostile.sh sends them.
	case $f in
	*/hostile/good.cu | */hostile/ref.cu | */faults/*) src=$(cat "$f") ;;
	*) src=$(cat tests/gpu/hostile/cheat.cuh "$f") ;;
	esac
	jq -cn --arg id "$f" --arg src "$src" \
		'{v:1, kind:"candidate", id:$id, task:"hostile", target:"cuda", status:"generated",
		  source:$src, cflags:"-O3"}'
done | tttd-cat -j | tttd-compile -q -j 2 --arch sm_90a | tttd-cat >"$tmp/out.jsonl"
[ "$(wc -l <"$tmp/out.jsonl")" = "$n" ] || { echo "expected $n records"; exit 1; }
bad=$(jq -r 'select(.status != "compiled") | "\(.id): \(.status) \(.reason // "")"' "$tmp/out.jsonl")
[ -z "$bad" ] || { echo "$bad"; exit 1; }
echo "gpu candidates: $n compiled for sm_90a"
