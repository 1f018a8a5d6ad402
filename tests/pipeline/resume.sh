#!/usr/bin/env bash
# kill -9 in the middle of a step, then run the same command again: the run
# completes, every candidate benchmarked before the kill is kept as it was
# (not re-measured), and no candidate appears twice.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run=$tmp/run
args=(-q --task matmul --backend cpu --run "$run" --steps 2 --groups 3 --children 4 --seed 3)

setsid pipelines/tttd-discover.sh "${args[@]}" &
pid=$!
# Wait until a few candidates of step 1 have been benchmarked, then kill the whole job.
for _ in $(seq 1 600); do
	if [ -f "$run/steps/000001.partial" ] && [ "$(tttd-cat "$run/steps/000001.partial" 2>/dev/null | wc -l)" -ge 3 ]; then
		break
	fi
	sleep 0.1
done
kill -9 -- -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
test -f "$run/steps/000000.mp" || { echo "step 0 should have completed"; exit 1; }
test ! -f "$run/steps/000001.mp" || { echo "killed too late: step 1 already complete"; exit 1; }
tttd-cat "$run/steps/000001.partial" 2>/dev/null | jq -c '{id, time_ns}' | sort >"$tmp/before"
nbefore=$(wc -l <"$tmp/before")
[ "$nbefore" -ge 3 ] || { echo "expected at least 3 benchmarked records before the kill, got $nbefore"; exit 1; }

pipelines/tttd-discover.sh "${args[@]}"
test -f "$run/steps/000001.mp"
test ! -e "$run/steps/000001.partial"
tttd-cat "$run/steps/000001.mp" | jq -c '{id, time_ns}' | sort >"$tmp/after"
# Every record benchmarked before the kill is in the step, with the same time.
comm -23 "$tmp/before" "$tmp/after" >"$tmp/lost"
[ ! -s "$tmp/lost" ] || { echo "lost or re-measured after resume:"; cat "$tmp/lost"; exit 1; }
# 12 candidates per step, none twice.
[ "$(wc -l <"$tmp/after")" = 12 ] || { echo "step 1 has $(wc -l <"$tmp/after") records, want 12"; exit 1; }
# Exactly the candidates the step generates (a child may be sampled twice; no
# more): the policy's 64 proposals per parent, screened by the value model of
# step 0 (tttd-discover's default step; its seed is seed * 1000003 + step).
tttd-generate -q --task matmul --children 64 --seed 3 --policy "$run/policy/000000.ckpt" \
	"$run/steps/000001.parents" |
	tttd-screen -q --task matmul --keep 4 --seed $((3 * 1000003 + 1)) --archive "$run/steps/000000.mp" |
	tttd-cat | jq -r .id | sort >"$tmp/want"
jq -r .id <"$tmp/after" | sort | diff "$tmp/want" - || { echo "step 1 is not the generated batch"; exit 1; }
echo "ok: $nbefore records survived the kill"
