#!/usr/bin/env bash
# The ablation benchmark in small form (bench/ablation.sh) on the model task
# tests/data/tasks/synthetic (deterministic times, exact optimum 1000 ns,
# one point of 8^6), asserting what holds at the 1% target:
#
#   full TTT-Discover (the pipeline's defaults) gets within 1% of the
#   optimum on at least 4 of seeds 1-5 in 512 evaluations (4 groups x 8
#   children), with a median number of evaluations at most half of uniform
#   search's exact median (tttd-space: the draws are independent, so it is
#   geometric; 181705 here).  The genetic algorithm (--ga) runs beside it
#   and its median is printed, not asserted (see below).
#
# Then the same on bench/data/gemm-h100, the whole kernels/gemm space as an
# H100 timed it (6000 configurations, replayed: a model task with a cost
# table), over seeds 1-20 at 256 evaluations: TTT-Discover gets within 1%
# of the optimum on at least 15 seeds, with a median at most half of
# uniform search's exact median (776) and no larger than the GA's.
#
# Uniform search is not run: at these budgets it rarely reaches the target,
# and its exact median replaces a censored one.  Everything is seeded: the
# outcome does not vary between runs, but it changes when the policy, its
# training defaults or the GA change, and must then be re-measured
# (docs/ablation.md).  About 3 minutes on 2 cores.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
budget=512
bench/ablation.sh --task tests/data/tasks/synthetic --methods ttt,ga --budget $budget --seeds 5 \
	--groups 4 --children 8 --out "$tmp/ab" >"$tmp/table" 2>"$tmp/err" ||
	{ cat "$tmp/err"; exit 1; }
grep -q '^| ttt |' "$tmp/table" && grep -q '^| ga |' "$tmp/table" && grep -q '^| uniform, exact |' "$tmp/table" ||
	{ cat "$tmp/table"; exit 1; }
grep -q '<polyline' "$tmp/ab/curves.svg" || { echo "curves.svg has no curve"; exit 1; }
tail -n 1 "$tmp/ab/curves.svg" | grep -qx '</svg>' || { echo "curves.svg is cut short"; exit 1; }
[ "$(wc -l <"$tmp/ab/series.tsv")" = $((2 * 5 * budget)) ] || { echo "series.tsv has the wrong length"; exit 1; }
# summary.tsv: method, median evaluations to within 1% ("inf": not reached by
# half the seeds), min, max, seeds that got there; "uniform-exact", median.
field() { awk -F'\t' -v m="$1" -v f="$2" '$1 == m { print $f }' "${summary:-$tmp/ab/summary.tsv}"; }
t=$(field ttt 2) tgot=$(field ttt 5) g=$(field ga 2) u=$(field uniform-exact 2)
echo "evaluations to within 1% of the optimum (median of 5 seeds): ttt $t ($tgot/5 seeds), ga $g, uniform exact $u"
[ "$tgot" -ge 4 ] || { echo "TTT-Discover reaches the optimum on fewer than 4 of 5 seeds"; exit 1; }
[ "$t" != inf ] && [ $((2 * t)) -le "$u" ] || { echo "TTT-Discover needs more than half of uniform search's evaluations"; exit 1; }
# Not asserted: TTT against the GA.  On these 5 seeds TTT's median is 3
# evaluations under the GA's, but over seeds 1-24 the GA's is lower (244 vs
# 292, docs/ablation.md): a pin on this coincidence would assert a claim that
# does not hold, so the comparison is printed above and reported, not tested.
# --series rebuilds the same table from the series file alone (no runs).
bench/ablation.sh --task tests/data/tasks/synthetic --budget $budget --groups 4 --children 8 \
	--series "$tmp/ab/series.tsv" --out "$tmp/re" >"$tmp/table2" 2>"$tmp/err2" || { cat "$tmp/err2"; exit 1; }
cmp -s "$tmp/ab/table.md" "$tmp/re/table.md" || { diff "$tmp/ab/table.md" "$tmp/re/table.md"; echo "--series gave another table"; exit 1; }
[ ! -d "$tmp/re/runs" ] || [ -z "$(ls "$tmp/re/runs")" ] || { echo "--series ran something"; exit 1; }

# The measured GEMM landscape: 20 seeds, where the GA comparison is asserted.
budget=256
bench/ablation.sh --task bench/data/gemm-h100 --methods ttt,ga --budget $budget --seeds 20 \
	--groups 4 --children 8 --out "$tmp/gemm" >"$tmp/gtable" 2>"$tmp/gerr" ||
	{ cat "$tmp/gerr"; exit 1; }
summary=$tmp/gemm/summary.tsv
t=$(field ttt 2) tgot=$(field ttt 5) g=$(field ga 2) u=$(field uniform-exact 2)
echo "gemm-h100 replay, evaluations to within 1% (median of 20 seeds): ttt $t ($tgot/20 seeds), ga $g, uniform exact $u"
[ "$tgot" -ge 15 ] || { echo "TTT-Discover gets within 1% on fewer than 15 of 20 seeds"; exit 1; }
# medians of an even count of seeds may end in .5: compared in awk
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "inf" && (b == "inf" || a + 0 <= b + 0)) }'; }
le "$(awk -v t="$t" 'BEGIN { print t == "inf" ? t : 2 * t }')" "$u" ||
	{ echo "TTT-Discover needs more than half of uniform search's evaluations"; exit 1; }
le "$t" "$g" || { echo "TTT-Discover needs more evaluations than the GA"; exit 1; }
echo ok
