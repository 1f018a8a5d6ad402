#!/bin/bash
# bench/trimul-steps.sh - build bench/trimul-steps.cu with nvcc for one or
# several TriMul configurations (decision strings as tttd renders them) and
# run each on the device: per-launch times (prep, proj, tri, out), the total,
# the floor and the geometric mean over the 7 ranked shapes, after checking y
# against the fp32 reference at every timed shape.  The builds run in
# parallel; the runs one after another (one GPU).  It does not go through
# tttd-compile | tttd-bench and its inputs are not tttd's seeded streams: it
# is for finding where the time goes, not for scoring.  Exit status 1 when
# any configuration fails to build, to run or to match the reference.
set -u

usage() {
	cat <<'USAGE'
usage: trimul-steps.sh [-Bht] [-j jobs] [-n reps] [-o dir] ["PBM=64 PRF=2 ..." ...]

Profile TriMul configurations launch by launch on the GPU (bench/trimul-steps.cu).
Each operand is one configuration, all decisions of kernels/trimul/task as
NAME=value words; missing decisions take the template's defaults.  With no
operand: the first correct configuration, the PSW=1 one and the current best
(./task's first options).

  -B        reuse the binaries already in the -o dir (steps-1, steps-2, ... in
            operand order): build only those missing, e.g. on the device
            after building here
  -j jobs   parallel nvcc builds (default: the number of CPUs)
  -n reps   timed repetitions per shape (default 30)
  -o dir    where binaries and tables go (default $OUT or /tmp/trimul-steps)
  -t        also check the 18 test shapes (checked, not timed)
  -h        this help
USAGE
}

case ${1:-} in
--help) usage; exit 0 ;;
--*) echo "trimul-steps.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
nvcc=${NVCC:-/usr/local/cuda/bin/nvcc}
jobs=$(nproc 2>/dev/null || echo 4)
reps=30
tflag=
reuse=
out=${OUT:-/tmp/trimul-steps}
while getopts Bhj:n:o:t opt; do
	case $opt in
	B) reuse=1 ;;
	h) usage; exit 0 ;;
	j) jobs=$OPTARG ;;
	n) reps=$OPTARG ;;
	o) out=$OPTARG ;;
	t) tflag=-t ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $jobs$reps in *[!0-9]*) echo "trimul-steps.sh: -j and -n take numbers" >&2; exit 2 ;; esac

if [ $# -eq 0 ]; then
	set -- \
	    "PSW=0 PLR=1 PBM=64 PRF=2 PNT=2 PNW=8 TRI=cublas TBM=128 TBN=128 TWM=64 TWN=32 EBM=64 ENT=4 ENW=8" \
	    "PSW=1 PLR=2 PBM=64 PRF=2 PNT=1 PNW=8 TRI=cublas TBM=128 TBN=128 TWM=64 TWN=32 EBM=64 ENT=4 ENW=8" \
	    "PSW=3 PGW=2 PGN=0 PGS=5 PLR=2 PLQ=16 PST=3 PBM=128 PBC=128 PRF=2 PNT=1 PNW=8 PGP=132 PPF=0 PGR=0 PRS=1 PSG=2 PRD=1 PGQ=2 PXL=0 TRI=cublas TBM=128 TBN=128 TWM=64 TWN=32 EBM=128 ENT=2 ENW=4 EV=2"
fi
mkdir -p "$out" || exit 1

# build i config: nvcc with -DNAME=value (and -DNAME_value=1 for identifiers).
build() {
	local i=$1 cfg=$2 defs=() w k v
	for w in $cfg; do
		k=${w%%=*} v=${w#*=}
		case $w in *=*) ;; *) echo "trimul-steps.sh: bad decision '$w'" >&2; return 1 ;; esac
		defs+=("-D$k=$v")
		case $v in [A-Za-z_]*) defs+=("-D${k}_$v=1") ;; esac
	done
	"$nvcc" -gencode=arch=compute_90a,code=sm_90a -O3 -std=c++17 -lineinfo "${defs[@]}" \
	    "-DTRIMUL_CONFIG=\"$cfg\"" -o "$out/steps-$i" "$top/bench/trimul-steps.cu" \
	    -lcublas >"$out/build-$i.log" 2>&1
}

i=0 rc=0 pids=()
for cfg in "$@"; do
	i=$((i + 1))
	if [ -n "$reuse" ] && [ -x "$out/steps-$i" ]; then
		true &
	else
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.5; done
		build "$i" "$cfg" &
	fi
	pids[i]=$!
done
i=0
for cfg in "$@"; do
	i=$((i + 1))
	if ! wait "${pids[i]}"; then
		echo "trimul-steps.sh: build failed for '$cfg':" >&2
		tail -20 "$out/build-$i.log" >&2
		rc=1
	fi
done
i=0
for cfg in "$@"; do
	i=$((i + 1))
	[ -x "$out/steps-$i" ] || continue
	echo "== $cfg"
	timeout 300 "$out/steps-$i" -n "$reps" $tflag | tee "$out/table-$i.txt"
	st=${PIPESTATUS[0]}
	[ "$st" -eq 0 ] || { echo "trimul-steps.sh: '$cfg' exited $st" >&2; rc=1; }
	echo
done
exit $rc
