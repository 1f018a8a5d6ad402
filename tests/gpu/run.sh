#!/bin/sh
# tests/gpu/run.sh - the GPU suite (make test-gpu), run on a machine with an
# NVIDIA GPU: builds, runs the NVRTC unit test, checks and times every CUDA
# task through tests/gpu/harness.c (real task loading, NVRTC, CUDA backend,
# cuBLAS baseline, measured peaks), then a fault batch in forked workers.
# Prints a short table last.  GPU_QUICK=1 times fewer GEMM configurations.
# Exit 1 if anything expected to pass did not.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=${OUT:-/tmp/tttd-gpu}
mkdir -p "$out"
status=0

# The device machine may lack msgpack-c and jansson (and other modules may be
# half-written): build only what the GPU checks need, straight from lib/.
cflags="-std=c11 -D_GNU_SOURCE -O2 -Ilib -I/usr/local/cuda/include -DTTTD_HAVE_CUDA"
libs="-L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 -lnvrtc -lcudart -lcublas -lm -ldl -lpthread"
mkdir -p build/gpu
objs=
for m in util task expr hash nvrtc backend backend_cpu backend_cuda; do
	cc $cflags -c "lib/$m.c" -o "build/gpu/$m.o" 2>>"$out/build.log" || { echo "gpu: lib/$m.c does not build"; exit 1; }
	objs="$objs build/gpu/$m.o"
done
# shellcheck disable=SC2086
cc $cflags -o build/gpu/test_nvrtc tests/unit/test_nvrtc.c $objs $libs 2>>"$out/build.log" &&
	cc $cflags -o build/gpu-harness tests/gpu/harness.c $objs $libs 2>>"$out/build.log" ||
	{ tail -20 "$out/build.log"; echo "gpu: harness does not build"; exit 1; }

echo "== unit: nvrtc"
build/gpu/test_nvrtc || status=1

echo "== peaks"
build/gpu-harness peaks | tee "$out/peaks.txt" || status=1

G="BM=128,BN=128,BK=32,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=128,BN=128,BK=64,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=128,BN=128,BK=64,WM=64,WN=64,STAGES=4,SWIZZLE=1,GROUP_M=8
BM=256,BN=128,BK=64,WM=64,WN=64,STAGES=4,SWIZZLE=1,GROUP_M=8
BM=128,BN=128,BK=128,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=128,BN=256,BK=128,WM=64,WN=64,STAGES=2,SWIZZLE=1,GROUP_M=8
BM=128,BN=256,BK=32,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=256,BN=128,BK=32,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=128,BN=256,BK=64,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=256,BN=128,BK=64,WM=64,WN=64,STAGES=3,SWIZZLE=1,GROUP_M=8
BM=128,BN=256,BK=32,WM=64,WN=64,STAGES=4,SWIZZLE=1,GROUP_M=8
BM=128,BN=256,BK=32,WM=64,WN=64,STAGES=4,SWIZZLE=1,GROUP_M=1
BM=128,BN=128,BK=64,WM=64,WN=32,STAGES=4,SWIZZLE=1,GROUP_M=8
BM=128,BN=128,BK=32,WM=32,WN=64,STAGES=4,SWIZZLE=1,GROUP_M=8
BM=128,BN=256,BK=32,WM=64,WN=64,STAGES=3,SWIZZLE=0,GROUP_M=8
BM=64,BN=64,BK=32,WM=32,WN=32,STAGES=2,SWIZZLE=1,GROUP_M=1
BM=64,BN=128,BK=64,WM=32,WN=64,STAGES=3,SWIZZLE=0,GROUP_M=8
BM=256,BN=64,BK=32,WM=64,WN=32,STAGES=4,SWIZZLE=1,GROUP_M=8"
[ "${GPU_QUICK:-0}" = 1 ] && G=$(echo "$G" | head -3)

echo "== gemm"
# shellcheck disable=SC2086
build/gpu-harness task kernels/gemm $(echo $G) | tee "$out/gemm.txt" || status=1
echo "== softmax"
build/gpu-harness task kernels/softmax_cuda --all | tee "$out/softmax.txt" || status=1
echo "== layernorm"
build/gpu-harness task kernels/layernorm --all | tee "$out/layernorm.txt" || status=1

echo "== faults (forked workers; good kernels run between the faulty ones)"
f=tests/gpu/faults
: >"$out/faults.txt"
fault() { # name file grid block smem expected
	got=$(build/gpu-harness fault "$2" k "$3" "$4" "$5" 10 2>>"$out/faults.log")
	mark=ok
	[ "$got" = "$6" ] || { mark=MISMATCH; status=1; }
	printf '%-16s expected %-13s got %-13s %s\n' "$1" "$6" "$got" "$mark" >>"$out/faults.txt"
}
fault good $f/good.cu 2 128 0 ok
fault hang $f/hang.cu 1 32 0 timeout
fault good-after-hang $f/good.cu 2 128 0 ok
fault illegal-address $f/illegal.cu 1 32 0 exec-error
fault good-after-ill $f/good.cu 2 128 0 ok
fault nan $f/nan.cu 2 128 0 nan
fault wrong-answer $f/wrong.cu 2 128 0 wrong
fault skips-work $f/skip.cu 2 128 0 wrong
fault 2048-threads $f/good.cu 1 2048 0 launch-error
fault smem-300KiB $f/good.cu 2 128 307200 launch-error
fault good-last $f/good.cu 2 128 0 ok
if [ -x bin/tttd-compile ] && [ -x bin/tttd-bench ]; then
	: # NEEDSWORK: the same batch through tttd-generate | tttd-compile | tttd-bench once they run CUDA tasks
fi

echo
echo "================ GPU suite summary ================"
cat "$out/peaks.txt" | tail -1
grep -h SUMMARY "$out"/gemm.txt "$out"/softmax.txt "$out"/layernorm.txt
cat "$out/faults.txt"
tail -5 "$out/faults.log"
echo "gpu: $( [ $status = 0 ] && echo PASS || echo FAIL )"
exit $status
