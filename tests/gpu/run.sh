#!/bin/bash
# tests/gpu/run.sh - the GPU suite (make test-gpu), run on a machine with an
# NVIDIA GPU, through the real tools: builds everything with CUDA=1, runs the
# unit tests, pipes a fault batch on the tiny task tests/gpu/vadd through
# tttd-compile | tttd-bench (asserting each status and that the good
# candidates are timed), the hostile batch (tests/gpu/hostile.sh: one
# candidate per exploit class, each rejected or gaining nothing), then a few sampled configurations of each GPU task
# through tttd-select | tttd-generate | tttd-compile | tttd-bench (all must
# be ok at every check shape), then each CUDA task's ref.cu against its
# cpu_reference (tests/gpu/ref_check.c).  Prints a short table last.  Logs go to $OUT
# (default /tmp/tttd-gpu).  Exit 1 if anything expected did not happen.
#
# On the device machine, which lacks the -dev packages, it sources
# tests/gpu/deps.sh first (the .debs travel in .debs/).  GPU_SKIP_BUILD=1
# uses the tools already built.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
# lib/ is in folders by layer; each is on the include path, as in the Makefile.
lib_inc=()
for d in lib/*/; do lib_inc+=("-I${d%/}"); done
out=${OUT:-/tmp/tttd-gpu}
mkdir -p "$out"
status=0
# shellcheck disable=SC1091
. tests/gpu/deps.sh
export PATH="$top/bin:$PATH"

if [ "${GPU_SKIP_BUILD:-0}" != 1 ]; then
	echo "== build (make CUDA=1)"
	make -j16 CUDA=1 all >"$out/build.log" 2>&1 && make -j16 CUDA=1 unit >"$out/unit.log" 2>&1
	rc=$?
	tail -3 "$out/unit.log"
	[ $rc = 0 ] || { tail -n 30 "$out/build.log" "$out/unit.log"; echo "gpu: build or unit tests FAIL"; status=1; }
fi
[ -x bin/tttd-bench ] || { echo "gpu: no bin/tttd-bench"; exit 1; }

echo "== fault batch (tests/gpu/vadd through tttd-compile | tttd-bench)"
f=tests/gpu/faults
# name file TPB SMEM expected.  A kernel that skips work leaves the NaN
# poison in its output, so it is "nan" (at N = 1 it writes nothing at all).
batch="good1 good 256 0 ok
hang hang 256 0 timeout
good2 good4 128 0 ok
illegal illegal 256 0 crash
good3 good 128 0 ok
nan nan 256 0 nan
wrong wrong 256 0 wrong
skip skip 256 0 nan
threads2048 good 2048 0 launch_error
smem300k good 256 307200 launch_error
bigmem bigmem 256 0 load_error
good4 good4 256 0 ok"
echo "$batch" | while read -r name file tpb smem _; do
	jq -cn --arg id "$name" --rawfile src "$f/$file.cu" --arg tpb "$tpb" --arg smem "$smem" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cuda", status:"generated",
		  source:$src, cflags:"-O3", decisions:{TPB:$tpb, SMEM:$smem}}'
done | tttd-cat -j | tttd-compile -q --arch sm_90a |
	tttd-bench --backend cuda --task tests/gpu/vadd --timeout 5 --max-time 0.3 2>"$out/faults.err" |
	tttd-cat >"$out/faults.jsonl"
: >"$out/faults.txt"
echo "$batch" | while read -r name _ _ _ want; do
	got=$(jq -r --arg id "$name" 'select(.id == $id) | .status' "$out/faults.jsonl")
	tns=$(jq -r --arg id "$name" 'select(.id == $id) | .time_ns // empty | floor' "$out/faults.jsonl")
	why=$(jq -r --arg id "$name" 'select(.id == $id) | .reason // "" | .[0:70]' "$out/faults.jsonl")
	mark=ok
	[ "$got" = "$want" ] || mark=MISMATCH
	[ "$want" = ok ] && [ -z "$tns" ] && mark=UNTIMED
	printf '%-12s want %-12s got %-12s %8s ns  %s %s\n' "$name" "$want" "${got:-none}" "${tns:--}" "$mark" "$why" >>"$out/faults.txt"
done
grep -q -e MISMATCH -e UNTIMED "$out/faults.txt" && status=1
cat "$out/faults.txt"

echo "== hostile batch (tests/gpu/hostile.sh: one candidate per exploit class, protocols 2 and 1)"
OUT=$out tests/gpu/hostile.sh >"$out/hostile.log" 2>&1 || { echo "gpu: hostile batch FAIL"; status=1; }

echo "== GPU tasks (sampled configurations, generate | compile | bench)"
: >"$out/tasks.txt"
# gemm_f32: fp32 GEMM against its reference and cuBLAS sgemm; cuda_plan: a
# plan that mixes launches with cuBLAS steps (and a ref_gemm reference).
for task in gemm softmax_cuda layernorm gemm_f32 tests/data/tasks/cuda_plan; do
	paired=()
	[ "$task" = gemm_f32 ] && paired=(--paired) # cuBLAS (and the reference) timed again beside each candidate
	tttd-select --task "$task" --groups 1 </dev/null 2>>"$out/tasks.err" |
		tttd-generate --task "$task" --children "${GPU_CONFIGS:-4}" --uniform --seed 7 2>>"$out/tasks.err" |
		tttd-compile -q --arch "${TTTD_ARCH:-sm_90a}" 2>>"$out/tasks.err" |
		tttd-bench -q --backend cuda --task "$task" --timeout 20 --max-time 0.5 "${paired[@]}" 2>>"$out/tasks.err" |
		tttd-cat >"$out/${task##*/}.jsonl"
	jq -r '[.task, .status, (.time_ns // 0 | floor), (.ref_ns // 0 | floor), (.baseline_ratio // 0),
		(.floor_ns // 0 | floor), (.decisions | tostring), (.reason // "")] | @tsv' \
		"$out/${task##*/}.jsonl" >>"$out/tasks.txt"
	n=$(jq -s 'length' "$out/${task##*/}.jsonl")
	bad=$(jq -s '[.[] | select(.status != "ok")] | length' "$out/${task##*/}.jsonl")
	[ "$n" -gt 0 ] && [ "$bad" = 0 ] || { echo "gpu: $task: $bad of $n not ok"; status=1; }
done
jq -r '.device' "$out/gemm.jsonl" | head -1
# With --paired every correct record still carries its baseline, its calls
# interleaved with the candidate's, and per shape the interval of the
# per-call ratios, which must be ordered and hold a positive median.
jq -es 'map(select(.status == "ok")) | length > 0 and all(.baseline_ns > 0 and .baseline_ratio > 0
	and all(.timing[]; .baseline_ratio_ci[0] > 0 and .baseline_ratio_ci[0] <= .baseline_ratio_ci[1]
		and .baseline_ns > 0))' \
	"$out/gemm_f32.jsonl" >/dev/null || { echo "gpu: gemm_f32 --paired: a correct record without its paired baseline"; status=1; }

echo "== policy network: CPU and cuBLAS agree (tests/gpu/nn_check.c)"
if cc -std=c11 -D_GNU_SOURCE -DTTTD_HAVE_CUDA "${lib_inc[@]}" -I/usr/local/cuda/include -o build/nn_check \
	tests/gpu/nn_check.c build/libtttd.a -L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 \
	-lnvrtc -lcudart -lcublas -lmsgpackc -lzstd -ljansson -lm -lpthread -ldl 2>"$out/nn_build.log"; then
	build/nn_check >"$out/nn.txt" 2>&1 || status=1
else
	tail -5 "$out/nn_build.log" >"$out/nn.txt"
	status=1
fi

echo "== GPU references against the CPU ones (tests/gpu/ref_check.c)"
# Each CUDA task's ref.cu against its cpu_reference at the small check shapes.
if cc -std=c11 -D_GNU_SOURCE -DTTTD_HAVE_CUDA "${lib_inc[@]}" -Ibuild/gen -I/usr/local/cuda/include -o build/ref_check \
	tests/gpu/ref_check.c build/libtttd.a -L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 \
	-lnvrtc -lcudart -lcublas -lmsgpackc -lzstd -ljansson -lcurl -lsqlite3 -lm -lpthread -ldl 2>"$out/ref_build.log"; then
	build/ref_check kernels/gemm kernels/gemm_f32 kernels/layernorm kernels/softmax_cuda kernels/trimul \
		>"$out/ref.txt" 2>&1 || status=1
else
	tail -5 "$out/ref_build.log" >"$out/ref.txt"
	status=1
fi

echo
echo "================ GPU suite summary ================"
echo "fault batch:"
cat "$out/faults.txt"
cat "$out/hostile.log"
echo "tasks (task status time_ns ref_ns baseline_ratio floor_ns decisions reason):"
cat "$out/tasks.txt"
echo "policy network:"
cat "$out/nn.txt"
echo "GPU references against the CPU (task shape elements bad max_abs max_rel):"
cat "$out/ref.txt"
tail -n 3 "$out/faults.err" "$out/tasks.err" 2>/dev/null
echo "gpu: $([ $status = 0 ] && echo PASS || echo FAIL)"
exit $status
