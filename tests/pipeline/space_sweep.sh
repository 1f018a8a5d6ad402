#!/usr/bin/env bash
# bench/space-sweep.sh end to end on the CPU task tests/data/tasks/ok_cpu
# (6 feasible choices): measure in chunks of 4 (2 chunks), resume after a
# lost chunk without re-measuring the other, then replay: the model task's
# table holds every measured time, tttd-space finds the measured optimum,
# and a discovery on the replay is a deterministic run over those times.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
export PATH="$top/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
task=tests/data/tasks/ok_cpu
fail() { echo "space_sweep: $*"; exit 1; }

bench/space-sweep.sh measure --task $task --out "$tmp/sw" --chunk 4 --bench-time 0.02 2>"$tmp/err" ||
	{ cat "$tmp/err"; fail "measure failed"; }
[ -s "$tmp/sw/bench.000.mp.zst" ] && [ -s "$tmp/sw/bench.001.mp.zst" ] || fail "two chunks expected"
[ "$(tttd-cat "$tmp"/sw/bench.*.mp.zst | jq -s 'map(select(.status == "ok")) | length')" = 6 ] ||
	fail "not every choice measured ok"

# A lost chunk is measured again; the other is kept as it was.
sum0=$(md5sum <"$tmp/sw/bench.000.mp.zst")
rm "$tmp/sw/bench.001.mp.zst"
bench/space-sweep.sh measure --task $task --out "$tmp/sw" --chunk 4 --bench-time 0.02 2>"$tmp/err2" ||
	{ cat "$tmp/err2"; fail "resume failed"; }
grep -q 'chunk 2/2' "$tmp/err2" && ! grep -q 'chunk 1/2' "$tmp/err2" || { cat "$tmp/err2"; fail "resume re-measured the wrong chunks"; }
[ "$sum0" = "$(md5sum <"$tmp/sw/bench.000.mp.zst")" ] || fail "resume rewrote a finished chunk"

bench/space-sweep.sh replay --task $task --out "$tmp/sw" --dest "$tmp/replay" --name ok_replay 2>"$tmp/err3" ||
	{ cat "$tmp/err3"; fail "replay failed"; }
[ "$(grep -vc '^#' "$tmp/replay/times.tsv")" = 7 ] || fail "times.tsv: a header and 6 rows expected"
best=$(tttd-cat "$tmp"/sw/bench.*.mp.zst | jq -s 'map(.time_ns) | min * 10 | round / 10')
got=$(tttd-space -q "$tmp/replay" | tttd-cat | jq '.best_ns * 10 | round / 10')
[ "$got" = "$best" ] || fail "the replay's optimum $got is not the measured best $best"
pipelines/tttd-discover.sh -q --task "$tmp/replay" --run "$tmp/run" --candidates 16 --groups 2 --children 4 --no-best ||
	fail "a discovery on the replay failed"
[ "$(cat "$tmp"/run/steps/*.mp | tttd-cat | jq -s 'map(select(.kind == "candidate" and .device == "model")) | length')" -ge 16 ] ||
	fail "the discovery did not run on the model target"

# Usage errors exit 2 with a one-line reason.
set +e
bench/space-sweep.sh 2>"$tmp/u1"; rc1=$?
bench/space-sweep.sh measure --out "$tmp/x" 2>"$tmp/u2"; rc2=$?
bench/space-sweep.sh replay --task $task --out "$tmp/empty" --dest "$tmp/d" 2>"$tmp/u3"; rc3=$?
set -e
[ $rc1 = 2 ] && grep -q 'a mode is required' "$tmp/u1" || fail "no mode: exit $rc1"
[ $rc2 = 2 ] && grep -q -- '--task is required' "$tmp/u2" || fail "no task: exit $rc2"
[ $rc3 = 1 ] && grep -q 'no measured chunks' "$tmp/u3" || fail "nothing measured: exit $rc3"
echo ok
