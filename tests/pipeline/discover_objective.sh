#!/usr/bin/env bash
# tttd-discover --objective baseline: the search ranks by baseline_ratio.
# The synthetic model task gets a baseline line (the model target times no
# baseline) and a bench command that writes a baseline_ratio of its own,
# 1 + A/100, whose best (A=7) is not the fastest time's (A=5); so a run that
# ranked by time anywhere would show it.  Checked: the benches are --paired,
# the rewards are the ratios, the parents' values -1/ratio, the finalists and
# the confirmed best the best ratios, the progress line shows the ratio, and
# the run's config names the objective.  Then: a task without a baseline is
# refused with a one-line error, and auto picks time for a model task.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
discover=$top/pipelines/tttd-discover.sh
cat=$top/bin/tttd-cat
export PATH=/usr/bin:/bin XDG_DATA_HOME=$tmp/xdg
cp -r "$top/tests/data/tasks/synthetic" "$tmp/synb"
sed -i 's/^name synthetic$/name synb/' "$tmp/synb/task"
echo "baseline model_baseline" >>"$tmp/synb/task"

ratio='if .status == "ok" then .baseline_ratio = (1 + (.decisions.A | tonumber) / 100) else . end'
bench='echo "$*" >>"$TTTD_RUN/../bench.calls"; "$TTTD_BIN/tttd-bench" "$@" | "$TTTD_BIN/tttd-cat" | jq -c '"'$ratio'"' | "$TTTD_BIN/tttd-cat" -j'
args=(--task "$tmp/synb" --steps 3 --groups 2 --children 4 --seed 3 --no-results --finalists 4)
"$discover" "${args[@]}" --objective baseline --run "$tmp/b" --bench-cmd "$bench" 2>"$tmp/b.err" ||
	{ cat "$tmp/b.err" "$tmp"/b/log/*.log; echo "FAIL: a run with --objective baseline"; exit 1; }
grep -qx 'objective=baseline' "$tmp/b/config" || { cat "$tmp/b/config"; echo "FAIL: the config does not name the objective"; exit 1; }
[ "$(grep -c -- '--paired' "$tmp/bench.calls")" = 4 ] || { cat "$tmp/bench.calls"; echo "FAIL: want 4 paired benches (3 steps, the A/B)"; exit 1; }
# after step 0 the steps divide the run's reference: only the baseline is paired
grep -- '--paired' "$tmp/bench.calls" | sed -n 2p | grep -q -- '--ref-ns' || { echo "FAIL: step 1 was not given the run's reference"; exit 1; }
cat "$tmp"/b/steps/*.mp | "$cat" >"$tmp/b.json"
jq -e -s 'map(select(.status == "ok")) | length > 0 and all(.reward == .baseline_ratio)' "$tmp/b.json" >/dev/null ||
	{ echo "FAIL: the rewards are not the baseline ratios"; exit 1; }
# PUCT's values: -1/ratio (the time over the baseline's)
"$top/bin/tttd-select" -q --task "$tmp/synb" --objective baseline --groups 2 "$tmp"/b/steps/*.mp | "$cat" >"$tmp/parents.json"
jq -e -s --slurpfile c "$tmp/b.json" '
	($c | map({key: .id, value: .baseline_ratio}) | from_entries) as $r
	| map(select(.root | not)) | length > 0 and all(. as $p | ($p.value + 1 / $r[$p.id] | fabs) < 1e-12)' "$tmp/parents.json" >/dev/null ||
	{ cat "$tmp/parents.json"; echo "FAIL: parent values are not -1/baseline_ratio"; exit 1; }
# the finalists are the best ratios of the archive (ties: any of them)
want=$(jq -s 'map(select(.status == "ok") | .baseline_ratio) | sort | reverse | .[3]' "$tmp/b.json")
jq -e -s --argjson w "$want" 'length == 4 and all(.baseline_ratio >= $w)' "$tmp/b/best/confirm.jsonl" >/dev/null ||
	{ echo "FAIL: the finalists are not the archive's best ratios (4th best $want)"; exit 1; }
jq -e -s --slurpfile r "$tmp/b/best/record.json" 'map(.baseline_ratio) | max == $r[0].baseline_ratio' "$tmp/b/best/confirm.jsonl" >/dev/null ||
	{ echo "FAIL: the confirmed best is not the best ratio of the A/B"; exit 1; }
grep -q 'the baseline measured beside it' "$tmp/b/log/progress" || { cat "$tmp/b/log/progress"; echo "FAIL: no ratio in the progress line"; exit 1; }
# the time objective on the same task: another best (A=5 is the fastest)
"$discover" "${args[@]}" --objective time --run "$tmp/t" --bench-cmd "$bench" 2>"$tmp/t.err" ||
	{ cat "$tmp/t.err"; echo "FAIL: a run with --objective time"; exit 1; }
! grep -q '^objective=' "$tmp/t/config" || { echo "FAIL: a time run names an objective"; exit 1; }
cat "$tmp"/t/steps/*.mp | "$cat" | jq -e -s 'map(select(.status == "ok")) | all(.reward == 1000 / (.time_ns / 1000))' >/dev/null ||
	{ echo "FAIL: the time objective's rewards are not scale / time"; exit 1; }
# a task without a baseline: refused before the run starts
if "$discover" -q --task "$top/tests/data/tasks/synthetic" --objective baseline --run "$tmp/n" --steps 1 2>"$tmp/n.err"; then
	echo "FAIL: --objective baseline ran on a task without a baseline"; exit 1
fi
[ "$(wc -l <"$tmp/n.err")" = 1 ] && grep -q "task 'synthetic' has no baseline" "$tmp/n.err" ||
	{ cat "$tmp/n.err"; echo "FAIL: no one-line error for a task without a baseline"; exit 1; }
[ ! -d "$tmp/n" ] || { echo "FAIL: the refused run left a directory"; exit 1; }
# auto on a model task (no GPU): time; a resume keeps the run's objective
# (and without --finalists: three finalists for time, eight for the baseline)
plain=(--task "$tmp/synb" --groups 2 --children 4 --seed 3 --no-results)
"$discover" -q "${plain[@]}" --steps 1 --run "$tmp/a" 2>"$tmp/a.err" || { cat "$tmp/a.err"; echo "FAIL: auto run"; exit 1; }
! grep -q '^objective=' "$tmp/a/config" || { echo "FAIL: auto chose the baseline objective for a model task"; exit 1; }
[ "$(wc -l <"$tmp/a/best/confirm.jsonl")" = 3 ] || { echo "FAIL: the time objective's A/B has not 3 finalists"; exit 1; }
"$discover" -q "${plain[@]}" --steps 4 --run "$tmp/b" --bench-cmd "$bench" 2>"$tmp/r.err" ||
	{ cat "$tmp/r.err"; echo "FAIL: resuming a baseline run with auto"; exit 1; }
[ "$(ls "$tmp"/b/steps/*.mp | wc -l)" = 4 ] || { echo "FAIL: the resumed run did not add a step"; exit 1; }
[ "$(wc -l <"$tmp/b/best/confirm.jsonl")" = 8 ] || { echo "FAIL: the baseline objective's A/B has not 8 finalists"; exit 1; }
echo "ok: --objective baseline ranks, rewards, selects and confirms by baseline_ratio"
