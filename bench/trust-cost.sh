#!/bin/bash
# bench/trust-cost.sh - what tttd-bench's timing protocol 2 (issue 12: fresh
# inputs for every timed call, each call's outputs scanned for poison, timed
# calls checked against the reference at random after the calls) costs, in
# candidates per minute, against protocol 1 (TTTD_BENCH_PROTOCOL=1: the
# check's inputs reused, only the last timed output checked), on gemm and
# trimul.  The same compiled candidates (sampled uniformly, seed 7) go through
# tttd-bench under each protocol with discovery's timing budget (--max-time 1,
# the task's bench shapes); the rate counts tttd-bench's own time per
# candidate (bench_ms) after the first, whose bench_ms includes starting the
# worker and timing the reference.  Prints a table last.  Run on the device
# machine after the tools are built with CUDA=1 (make test-gpu builds them).
set -u
case ${1:-} in
-h | --help)
	cat <<'USAGE'
usage: trust-cost.sh [-h]

Candidates per minute of tttd-bench on gemm and trimul under timing protocol
2 (fresh inputs per timed call, timed outputs checked) and protocol 1 (the
protocol before issue 12), on the same compiled candidates; a table last.
Run on the device machine after `make test-gpu` (which builds with CUDA=1).
Environment: OUT (default /tmp/trust-cost), COST_CANDIDATES (default 4 per
task), TTTD_ARCH (default sm_90a), COST_TASKS (default "gemm trimul").
USAGE
	exit 0 ;;
?*) echo "trust-cost.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck disable=SC1091
. tests/gpu/deps.sh
export PATH="$top/bin:$PATH"
out=${OUT:-/tmp/trust-cost}
mkdir -p "$out"
k=${COST_CANDIDATES:-4}
[ -x bin/tttd-bench ] || { echo "trust-cost.sh: no bin/tttd-bench (build with CUDA=1 first)" >&2; exit 1; }
: >"$out/table.txt"
for task in ${COST_TASKS:-gemm trimul}; do
	tttd-select --task "$task" --groups 1 </dev/null 2>>"$out/err.log" |
		tttd-generate --task "$task" --children "$k" --uniform --seed 7 2>>"$out/err.log" |
		tttd-compile -q -j 16 --arch "${TTTD_ARCH:-sm_90a}" >"$out/$task.compiled" 2>>"$out/err.log"
	for p in 1 2; do
		t0=$(date +%s%N)
		TTTD_BENCH_PROTOCOL=$p tttd-bench -q --backend cuda --task "$task" --timeout 60 --max-time 1 \
			<"$out/$task.compiled" 2>>"$out/err.log" | tttd-cat >"$out/$task.p$p.jsonl"
		wall=$((($(date +%s%N) - t0) / 1000000))
		jq -sr --arg task "$task" --arg p "$p" --arg wall "$wall" '
			(.[1:] | map(.bench_ms // 0)) as $ms
			| ($ms | add // 0) as $sum
			| [$task, "protocol \($p)", length, (map(select(.status == "ok")) | length),
			   ($sum / 1000 * 100 | round / 100),
			   (if $sum > 0 then (($ms | length) / ($sum / 60000) * 10 | round / 10) else "-" end),
			   ($wall | tonumber / 100 | round / 10),
			   (map(.check.timed_checked // 0) | add),
			   (map(.status) | group_by(.) | map("\(.[0]):\(length)") | join(" "))] | @tsv' \
			"$out/$task.p$p.jsonl" >>"$out/table.txt"
	done
done
echo
echo "task     protocol    cands  ok  bench_s(after 1st)  cands/min  wall_s  timed_checked  statuses"
awk -F'\t' '{ printf "%-8s %-11s %5s %3s %19s %10s %7s %14s  %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$out/table.txt"
awk -F'\t' '$2 == "protocol 1" { r1[$1] = $6 } $2 == "protocol 2" && r1[$1] > 0 && $6 > 0 {
	printf "%s: protocol 2 runs %.2fx the candidates per minute of protocol 1\n", $1, $6 / r1[$1] }' "$out/table.txt"
