#!/usr/bin/env bash
# kernels/gemm's stream-K schedule (decision HSK) on the CPU, no GPU needed:
# tests/pipeline/gemm_streamk.cu includes kernels/gemm/kernel.cu and runs
# gemm_tma's own schedule functions as host code, built by nvcc once per HSK
# option, over many (tiles, clusters, k-tiles) triples: every k-iteration
# run once, parts published first and only to a head below them, each head
# waiting for exactly its tile's parts, and HSK=0 (or stream-K off) the old
# walk.  The device's side (barriers, flags, partial sums) is checked by
# tttd-bench at the check shapes (bench/gemm-compare.sh).  Skipped without nvcc.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
nvcc=${NVCC:-$(command -v nvcc || echo "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc")}
if [ ! -x "$nvcc" ]; then
	echo "skipped: no nvcc (the CUDA toolkit) on this machine"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for hsk in 0 1 2; do
	# PTX only for the device side: the test runs host code.
	"$nvcc" -gencode arch=compute_90a,code=compute_90a -O2 -std=c++17 -DHSK=$hsk \
		-o "$tmp/sched$hsk" tests/pipeline/gemm_streamk.cu
	"$tmp/sched$hsk" >"$tmp/out$hsk.txt" || { cat "$tmp/out$hsk.txt"; exit 1; }
	tail -1 "$tmp/out$hsk.txt" | grep -q ', 0 failures$' || { cat "$tmp/out$hsk.txt"; exit 1; }
done
# The k-tiles of the busiest cluster at 4096^3 (256 tiles, 66 clusters): HSK=1 below the old walk's 256.
grep -q '^HSK=1 tiles 256 clusters 66 KT 64: busiest cluster 249 ' "$tmp/out1.txt" ||
	{ cat "$tmp/out1.txt"; exit 1; }
grep -h '^HSK=[12] tiles 256 ' "$tmp"/out[12].txt
echo ok
