#!/bin/bash
# bench/gemm-tma.sh - build bench/gemm-tma.cu with nvcc for one or several
# configurations of kernels/gemm's Hopper path (decisions as NAME=value
# words: HBM HBN HST HCL HGRP HPERS HMC HSTC HSK HEPI) and run each on the device: checked
# against cuBLAS at the check shapes (first mismatches printed by row and
# column), then timed beside cuBLAS at 4096^3 and 8192^3.  The builds run in
# parallel, the runs one after another.  With cuobjdump on PATH it also
# counts the wgmma (HGMMA) instructions of the first build and the waits
# ptxas put between them.  It does not go through tttd-compile | tttd-bench
# (bench/gemm-bench.sh does): it is for finding what is wrong or slow.
# Three diagnostic words time the kernel with one stage left out (their C
# is not checked): HXNOEPI=1 (no epilogue), HXNOSTORE=1 (C staged in shared
# memory, never stored), HXNOMMA=1 (loads and barriers, no wgmma).
# Exit status 1 when any configuration fails to build, run or match.
set -u

usage() {
	cat <<'USAGE'
usage: gemm-tma.sh [-hT] [-j jobs] [-n reps] [-o dir] ["HBM=128 HBN=256 ..." ...]

Check and time kernels/gemm's gemm_tma standalone (bench/gemm-tma.cu), one
nvcc build per configuration.  With no operand: the task's first options of
the Hopper path (HBM=128 HBN=256 HST=4 HCL=2 HGRP=8 HPERS=1).

  -j jobs   parallel nvcc builds (default: the number of CPUs)
  -n reps   timed calls per shape (default 20)
  -o dir    where binaries and logs go (default $OUT or /tmp/gemm-tma)
  -T        check only, no timing
  -h        this help
USAGE
}

top=$(cd "$(dirname "$0")/.." && pwd)
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
jobs=$(nproc 2>/dev/null || echo 4)
reps=20 timing=1
out=${OUT:-/tmp/gemm-tma}
case ${1:-} in
--help) usage; exit 0 ;;
--*) echo "gemm-tma.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
while getopts hj:n:o:T opt; do
	case $opt in
	h) usage; exit 0 ;;
	j) jobs=$OPTARG ;;
	n) reps=$OPTARG ;;
	o) out=$OPTARG ;;
	T) timing=0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $jobs$reps in *[!0-9]*) echo "gemm-tma.sh: -j and -n take numbers" >&2; exit 2 ;; esac
[ $# -eq 0 ] && set -- "HBM=128 HBN=256 HST=4 HCL=2 HGRP=8 HPERS=1"
mkdir -p "$out" || exit 1

checks="257,136,200 1000,1000,1000 64,64,64 1,8,8 130,264,72 96,80,3000 333,136,520 1,4104,264 2050,8,72 72,520,8 3000,3000,136 2100,2600,520"
bench="4096,4096,4096 8192,8192,8192"

build() {
	local i=$1 defs=() w
	for w in $2; do defs+=("-D$w"); done
	"$nvcc" -gencode arch=compute_90a,code=sm_90a -O3 -std=c++17 "${defs[@]}" -o "$out/gt.$i" \
		"$top/bench/gemm-tma.cu" -lcublas >"$out/build.$i.log" 2>&1
}
i=0
for cfg in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	build $i "$cfg" &
	i=$((i + 1))
done
wait
status=0
: >"$out/summary.txt"
i=0
for cfg in "$@"; do
	if [ ! -x "$out/gt.$i" ]; then
		echo "$cfg: BUILD FAILED" | tee -a "$out/summary.txt"
		tail -5 "$out/build.$i.log"
		status=1
		i=$((i + 1))
		continue
	fi
	# shellcheck disable=SC2086
	if [ "$timing" = 1 ]; then
		timeout 30 "$out/gt.$i" $checks -t -n "$reps" $bench >"$out/run.$i.log" 2>&1
	else
		timeout 30 "$out/gt.$i" $checks $bench >"$out/run.$i.log" 2>&1
	fi
	rc=$?
	cat "$out/run.$i.log"
	if [ $rc != 0 ]; then
		status=1
		echo "$cfg: FAIL (exit $rc)$(grep -c WRONG "$out/run.$i.log") wrong shapes" >>"$out/summary.txt"
	else
		t=$(grep TIME "$out/run.$i.log" | awk '{printf "%s %s us (cuBLAS %s, %s)  ", $2, $4, $9, $12}')
		echo "$cfg: ok  $t" >>"$out/summary.txt"
	fi
	i=$((i + 1))
done
if command -v cuobjdump >/dev/null && [ -x "$out/gt.0" ]; then
	cuobjdump --dump-sass "$out/gt.0" 2>/dev/null | awk '/Function : gemm_tma/ { f = 1 } /Function : / && !/gemm_tma/ { f = 0 } f' >"$out/sass.txt"
	echo "SASS of gemm_tma ($1): $(grep -c HGMMA "$out/sass.txt") HGMMA, $(grep -c 'WARPGROUP.DEPBAR' "$out/sass.txt") WARPGROUP.DEPBAR, $(grep -c 'WARPGROUP.ARRIVE' "$out/sass.txt") WARPGROUP.ARRIVE, $(grep -c 'UTMALDG' "$out/sass.txt") UTMALDG, $(grep -c 'SYNCS' "$out/sass.txt") SYNCS" >>"$out/summary.txt"
fi
echo "== gemm-tma summary"
cat "$out/summary.txt"
exit $status
