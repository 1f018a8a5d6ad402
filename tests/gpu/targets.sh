#!/bin/bash
# tests/gpu/targets.sh - the CUDA target's optional backend members through
# the target table (lib/targets/target.c), on the device: for gemm and gemm_f32, two
# sampled configurations through tttd-compile | tttd-bench --backend cuda.
# Each record must be ok (the reference compiled in the worker for the
# device's own architecture: ops->arch), carry a baseline_ratio (the cuBLAS
# baseline: ops->baseline_known/baseline) and a floor_ns (measured peaks:
# ops->peaks); then the policy network's cuBLAS tensor backend, reached by
# name through the table (tests/gpu/nn_check.c).
# Prints a table last; exit 1 if anything is missing.  About a minute.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
# lib/ is in folders by layer; each is on the include path, as in the Makefile.
lib_inc=()
for d in lib/*/; do lib_inc+=("-I${d%/}"); done
out=${OUT:-/tmp/tttd-targets}
mkdir -p "$out"
status=0
# shellcheck disable=SC1091
. tests/gpu/deps.sh
export PATH="$top/bin:$PATH"
if [ "${GPU_SKIP_BUILD:-0}" != 1 ]; then
	make -j16 CUDA=1 all >"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; exit 1; }
fi
: >"$out/table.txt"
for task in gemm gemm_f32; do
	tttd-select --task "$task" --groups 1 </dev/null 2>>"$out/err" |
		tttd-generate --task "$task" --children 2 --uniform --seed 7 2>>"$out/err" |
		tttd-compile -q --arch "${TTTD_ARCH:-sm_90a}" 2>>"$out/err" |
		tttd-bench -q --backend cuda --task "$task" --timeout 20 --max-time 0.3 2>>"$out/err" |
		tttd-cat >"$out/$task.jsonl"
	jq -r '[.task, .status, (.time_ns // 0 | floor), (.baseline_ratio // 0),
		(.floor_ns // 0 | floor), .device] | @tsv' "$out/$task.jsonl" >>"$out/table.txt"
	bad=$(jq -s '[.[] | select(.status != "ok" or (.baseline_ratio // 0) <= 0
		or (.floor_ns // 0) <= 0)] | length' "$out/$task.jsonl")
	n=$(jq -s 'length' "$out/$task.jsonl")
	if [ "$n" = 0 ] || [ "$bad" != 0 ]; then
		echo "targets: $task: $bad of $n lack ok, baseline or floor"
		status=1
	fi
done
# The tensor backend "cuda" by name (tttd_tensor_be_new through the table):
# tests/gpu/nn_check.c, as make test-gpu builds it.
if cc -std=c11 -D_GNU_SOURCE -DTTTD_HAVE_CUDA "${lib_inc[@]}" -I/usr/local/cuda/include -o build/nn_check \
	tests/gpu/nn_check.c build/libtttd.a -L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 \
	-lnvrtc -lcudart -lcublas -lmsgpackc -lzstd -ljansson -lm -lpthread -ldl 2>"$out/nn_build.log" &&
	build/nn_check >"$out/nn.txt" 2>&1; then
	echo "tensor cuda: ok ($(tail -1 "$out/nn.txt"))" >>"$out/table.txt"
else
	echo "tensor cuda: FAIL ($(tail -1 "$out/nn.txt" "$out/nn_build.log" 2>/dev/null | tail -1))" >>"$out/table.txt"
	status=1
fi
echo "task status time_ns baseline_ratio floor_ns device"
cat "$out/table.txt"
exit $status
