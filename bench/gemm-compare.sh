#!/bin/bash
# bench/gemm-compare.sh - kernels/gemm configurations side by side on the
# device, through the real tools (bench/gemm-bench.sh: tttd-compile |
# tttd-bench): the first operand is the line every other is compared with.
# tttd-bench checks each at every check shape and at 4096^3 and 8192^3
# (2100x2600x520 and 3000x3000x136 split stream-K tiles across clusters),
# times it there beside cuBLAS in the same worker, and checks a sample of the
# timed calls (protocol 2).  Two tttd-bench runs: the first line with the
# second, then, only if both were ok (a kernel whose wait never ends would
# cost each candidate the whole timeout), the first line again with all the
# others.  Prints gemm-bench.sh's lines (with CIs), then a table last:
# status, time and cuBLAS ratio per bench shape, the time against its run's
# first line, and the timed calls checked.  With no operand: the first
# options beside the Hopper path's main alternatives (the register epilogue,
# one staging buffer, stream-K, ping-pong consumers, one CTA per cluster).
# Exit 1 unless all are ok.  Needs bin/ built with CUDA=1; a minute or two
# on an H200.  TTTD_COMMIT names the commit in the table (a device's copy of
# a tree may carry older git metadata).
set -u

usage() {
	cat <<'USAGE'
usage: gemm-compare.sh [-h] [-o dir] [-t seconds] ["PATH=tma HEPI=1 ..." ...]

Check and time kernels/gemm configurations against the first one given.  With
no operand: the first options beside the Hopper path's main alternatives.

  -o dir      where records go (default $OUT or /tmp/gemm-compare)
  -t seconds  tttd-bench --max-time per candidate (default 2)
  -h          this help
USAGE
}

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/gemm-compare} maxt=2
case ${1:-} in
--help) usage; exit 0 ;;
--*) echo "gemm-compare.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
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
t="PATH=tma HBM=128 HBN=256 HST=4 HCL=2 HGRP=8 HPERS=1 HMC=1 HSTC=1"
[ $# -eq 0 ] && set -- \
	"$t HSK=0 HEPI=2 HPP=0" \
	"$t HSK=0 HEPI=0 HPP=0" \
	"$t HSK=0 HEPI=1 HPP=0" \
	"$t HSK=1 HEPI=2 HPP=0" \
	"${t/HCL=2/HCL=1} HSK=0 HEPI=2 HPP=0" \
	"${t/HBN=256/HBN=128} HSK=0 HEPI=2 HPP=1"
cd "$top" || exit 1
# shellcheck disable=SC1091
[ -d .debs ] && . tests/gpu/deps.sh
mkdir -p "$out" || exit 1
[ $# -ge 2 ] || { echo "gemm-compare.sh: give at least two configurations" >&2; exit 2; }

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
		| [(.timing // [])[] | "\(.median_ns | us) (\((.baseline_ns // 0) | us)) \((.baseline_ratio // 0) | r3)\(if .baseline_ratio_ci then " [\(.baseline_ratio_ci[0] | r3)-\(.baseline_ratio_ci[1] | r3)]" else "" end)"] as $t
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
# First the first two lines alone: if the second hangs (a wait that never
# ends costs the whole timeout), the others are not run.
if run_set "$out/run1" "$1" "$2"; then
	[ $# -gt 2 ] && { run_set "$out/run2" "$1" "${@:3}" || status=1; }
else
	status=1
	echo "run1 failed: the other configurations were not run" >>"$out/table.txt"
fi
cat "$out/lines.txt"
echo
dev=$(cat "$out"/run*/bench.jsonl 2>/dev/null | jq -r '.device // empty' | head -1)
echo "== gemm-compare ($dev, ${TTTD_COMMIT:-$(git describe --always --dirty --abbrev=7 2>/dev/null)}): per run, times against its first line"
echo "config | status | 4096^3: us (cuBLAS) ratio | 8192^3: us (cuBLAS) ratio | time / first line's | timed calls checked"
cat "$out/table.txt"
exit $status
