#!/usr/bin/env bash
# --backend auto follows the task's target: on a machine with a GPU (here a
# fake nvidia-smi that lists one) a CPU task still runs on the CPU (it once
# sent kernels/loops to the CUDA backend, and every step failed with
# "backend 'cuda' cannot run task"); a CUDA task on a machine without a GPU
# stops with one line saying so, before a run directory is made.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
disc=$top/pipelines/tttd-discover.sh
export XDG_DATA_HOME=$tmp/xdg

mkdir "$tmp/gpu" "$tmp/nogpu"
cat >"$tmp/gpu/nvidia-smi" <<'SH'
#!/bin/sh
case "$*" in
*compute_cap*) echo 9.0 ;;
*name*) echo "Fake GPU" ;;
*) echo "GPU 0: Fake GPU (UUID: GPU-0)" ;;
esac
SH
printf '#!/bin/sh\nexit 9\n' >"$tmp/nogpu/nvidia-smi"
chmod +x "$tmp/gpu/nvidia-smi" "$tmp/nogpu/nvidia-smi"

PATH=$tmp/gpu:$PATH "$disc" -q --task "$top/kernels/matmul" --run "$tmp/a" --steps 1 --groups 1 --children 2 \
	--bench-time 0.05 --no-best
n=$(tttd-cat "$tmp/a/steps/000000.mp" | jq -s 'map(select(.kind == "candidate" and .status == "ok")) | length')
[ "$n" -ge 1 ] || { echo "the CPU task did not run on the CPU beside a GPU ($n ok candidates)"; exit 1; }

rc=0
PATH=$tmp/nogpu:$PATH "$disc" -q --task "$top/kernels/gemm" --run "$tmp/b" --steps 1 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || { echo "a CUDA task without a GPU: exit $rc, want 1"; cat "$tmp/err"; exit 1; }
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "runs on a GPU (target cuda)" "$tmp/err" ||
	{ echo "want one line naming the missing GPU, got:"; cat "$tmp/err"; exit 1; }
[ ! -e "$tmp/b" ] || { echo "a run directory was made for a run that cannot start"; exit 1; }
echo "discover_backend: ok"
