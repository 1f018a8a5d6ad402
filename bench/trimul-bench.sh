#!/bin/bash
# bench/trimul-bench.sh - TriMul side by side on the device: the fp32
# reference computation (kernels/trimul/ref.cu timed as a candidate), tttd's
# best (runs/trimul/best/ when a discovery has run, else the template's
# default configuration) and the per-shape floor (compulsory fp32 x + y bytes
# at 3.0 TB/s, FLOPs at 750 TFLOP/s: ttt-discover.md 5.5).  Prints per-shape
# median times in us, the geometric means and the ratio to the floor.  All
# timing goes through tttd-compile | tttd-bench, so each configuration is
# first checked at the 18 test shapes.  Run on the device machine after
# `. tests/gpu/deps.sh; make -j16 CUDA=1 all`.
set -u
case ${1:-} in
-h | --help)
	cat <<'USAGE'
usage: trimul-bench.sh [-h]

TriMul side by side on the GPU: the fp32 reference, tttd's best
(runs/trimul/best/, else the template's default configuration) and the
per-shape floor; per-shape medians in us, geometric means and the ratio to
the floor.  Run on the device machine after `make CUDA=1`.  Environment:
OUT (default /tmp/trimul-bench).
USAGE
	exit 0 ;;
?*) echo "trimul-bench.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export TTTD_TOP=$top PATH="$top/bin:$PATH"
# shellcheck source=tests/gpu/trimul_common.sh
. tests/gpu/trimul_common.sh
out=${OUT:-/tmp/trimul-bench}
mkdir -p "$out"
best=$(ls runs/trimul/best/*.mp 2>/dev/null | head -1)
if [ -n "$best" ]; then
	kv=$(tttd-cat "$best" | jq -r 'select(.status == "ok") | .decisions | to_entries | map("\(.key)=\(.value)") | join(" ")' | head -1)
else
	kv=$(trimul_default_kv)
fi
echo "best configuration: $kv"
GPU_SKIP_BUILD=1 TRIMUL_CONFIGS="$kv" OUT="$out" tests/gpu/trimul_check.sh
