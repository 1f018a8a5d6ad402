#!/bin/bash
# bench/gemm-streamk.sh - kernels/gemm's stream-K schedule (decision HSK) on
# the device, through the real tools (bench/gemm-bench.sh: tttd-compile |
# tttd-bench): the Hopper path's measured best with the old data-parallel
# schedule (HSK=0) first, then stream-K variants (HSK=1: the last partial
# wave split over all clusters; HSK=2: it and one full wave) at both cluster
# sizes and tile shapes, and one mma configuration with split-K (zero_c: every
# kernel's argument list gained the workspace W).  tttd-bench checks each at
# every check shape (2100x2600x520 and 3000x3000x136 split tiles across
# clusters) and at 4096^3 and 8192^3, times it there beside cuBLAS in the same
# worker, and checks a sample of the timed calls (protocol 2: the flags must
# be ready again for each launch without a reset).  Two tttd-bench runs: the
# first line and the second (HSK=1), then, only if those were ok (a stream-K
# wait that never ends would cost each candidate the whole timeout), the
# first line again with all the others.  Prints gemm-bench.sh's lines (with
# CIs), then a table last: status, time and cuBLAS ratio per bench shape,
# the time against its run's first (HSK=0) line, and the timed calls
# checked.  Exit 1 unless all are ok.  Needs bin/ built with CUDA=1; about
# two minutes on an H200.
set -u

usage() {
	cat <<'USAGE'
usage: gemm-streamk.sh [-h] [-o dir] [-t seconds] ["PATH=tma HSK=1 ..." ...]

Check and time kernels/gemm's stream-K configurations against the data-parallel
best (the first operand is the line the others are compared with).  With no
operand: the built-in list (see the script).

  -o dir      where records go (default $OUT or /tmp/gemm-streamk)
  -t seconds  tttd-bench --max-time per candidate (default 2)
  -h          this help
USAGE
}

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/gemm-streamk} maxt=2
case ${1:-} in
--help) usage; exit 0 ;;
--*) echo "gemm-streamk.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
while getopts ho:t: opt; do
	case $opt in
	h) usage; exit 0 ;;
	o) out=$OPTARG ;;
	t) maxt=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
t="PATH=tma HST=4 HPERS=1 HMC=1"
[ $# -eq 0 ] && set -- \
	"$t HBM=256 HBN=128 HCL=2 HGRP=8 HSTC=1 HSK=0" \
	"$t HBM=256 HBN=128 HCL=2 HGRP=8 HSTC=1 HSK=1" \
	"$t HBM=256 HBN=128 HCL=2 HGRP=8 HSTC=1 HSK=2" \
	"$t HBM=256 HBN=128 HCL=2 HGRP=16 HSTC=1 HSK=1" \
	"$t HBM=256 HBN=128 HCL=1 HGRP=8 HSTC=1 HSK=1" \
	"$t HBM=128 HBN=256 HCL=2 HGRP=8 HSTC=0 HSK=1" \
	"$t HBM=128 HBN=256 HCL=2 HGRP=8 HSTC=1 HSK=2" \
	"PATH=mma BM=256 BN=128 BK=32 WM=64 WN=64 STAGES=4 GROUP_M=8 SPLITK=2"
cd "$top" || exit 1
# shellcheck disable=SC1091
[ -d .debs ] && . tests/gpu/deps.sh
mkdir -p "$out" || exit 1
[ $# -ge 2 ] || { echo "gemm-streamk.sh: give at least two configurations" >&2; exit 2; }

# One tttd-bench run of the configurations given (the first is the line
# the others are compared with) into directory $1; prints gemm-bench.sh's
# lines (with the CIs) and a table.  @return 0 when all are ok.
run_set() {
	local d=$1 rc bad n
	shift
	mkdir -p "$d" || return 1
	GEMM_BENCH_TIMEOUT=${GEMM_BENCH_TIMEOUT:-45} bench/gemm-bench.sh -o "$d" -t "$maxt" "$@" >"$d/gemm-bench.txt" 2>&1
	rc=$?
	[ -s "$d/bench.jsonl" ] || { cat "$d/gemm-bench.txt" "$d/bench.err" 2>/dev/null | tail -20; return 1; }
	cat "$d/gemm-bench.txt" >>"$out/lines.txt"
	jq -rs '
		def us: . / 1000 | . * 10 | round / 10;
		def r3: . * 1000 | round / 1000;
		(.[0].timing // []) as $b
		| .[]
		| (.decisions | if .PATH == "tma"
			then "tma \(.HBM)x\(.HBN) HST=\(.HST) HCL=\(.HCL) HGRP=\(.HGRP) HSTC=\(.HSTC) HSK=\(.HSK) HEPI=\(.HEPI) HPP=\(.HPP)"
			else "mma \(.BM)x\(.BN) SPLITK=\(.SPLITK)" end) as $d
		| [(.timing // [])[] | "\(.median_ns | us) (\((.baseline_ns // 0) | us)) \((.baseline_ratio // 0) | r3)"] as $t
		| [(.timing // []) as $m | range(0; ($m | length)) | select($b[.] != null)
		   | ($m[.].median_ns / $b[.].median_ns) | r3] as $rel
		| "\($d) | \(.status)\(if .reason then " (" + (.reason | .[0:80]) + ")" else "" end)"
		  + " | \($t[0] // "-") | \($t[1] // "-") | \($rel | map(tostring) | join(" "))"
		  + " | \(.check.timed_checked // "-")"' "$d/bench.jsonl" >>"$out/table.txt"
	bad=$(jq -s '[.[] | select(.status != "ok")] | length' "$d/bench.jsonl")
	n=$(jq -s 'length' "$d/bench.jsonl")
	echo "$(basename "$d"): $((n - bad)) of $n ok (each at every check shape, 4096^3 and 8192^3); gemm-bench.sh exit $rc" >>"$out/table.txt"
	[ "$bad" = 0 ] && [ "$n" = $# ] && [ "$rc" = 0 ]
}

: >"$out/lines.txt"
: >"$out/table.txt"
status=0
# First the HSK=0 line and one stream-K line: if stream-K hangs (a wait that
# never ends costs the whole timeout), the others are not run.
if run_set "$out/run1" "$1" "$2"; then
	[ $# -gt 2 ] && { run_set "$out/run2" "$1" "${@:3}" || status=1; }
else
	status=1
	echo "run1 failed: the other configurations were not run" >>"$out/table.txt"
fi
cat "$out/lines.txt"
echo
dev=$(cat "$out"/run*/bench.jsonl 2>/dev/null | jq -r '.device // empty' | head -1)
echo "== gemm-streamk ($dev, ${TTTD_COMMIT:-$(git describe --always --dirty --abbrev=7 2>/dev/null)}): per run, times against its first line"
echo "config | status | 4096^3: us (cuBLAS) ratio | 8192^3: us (cuBLAS) ratio | time / first line's | timed calls checked"
cat "$out/table.txt"
exit $status
