#!/usr/bin/env bash
# One tttd-discover per run directory: a second one on the same run says
# which process holds it (pid, host, start time) and exits 1 without
# touching the run; once the holder is killed (kill -9: no cleanup), the
# lock is taken over and the run completes.  Before, both ran and wrote the
# same partial step.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill -9 -- -"$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
run=$tmp/run
args=(-q --task matmul --backend cpu --run "$run" --steps 1 --groups 1 --children 2 --seed 5 --no-best)

setsid pipelines/tttd-discover.sh "${args[@]}" &
pid=$!
for _ in $(seq 1 600); do
	grep -q "^pid $pid " "$run/lock" 2>/dev/null && [ -s "$run/steps/000000.parents" ] && break
	sleep 0.1
done
grep -q "^pid $pid on .* since [0-9-]* [0-9:]*" "$run/lock" || { cat "$run/lock"; echo "the lock does not name the holder"; exit 1; }
ls -l --time-style=full-iso "$run/steps" >"$tmp/before"
rc=0
pipelines/tttd-discover.sh "${args[@]}" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/err"; echo "second tttd-discover exited $rc, want 1"; exit 1; }
grep -q "'$run' is in use by another tttd-discover (pid $pid on .* since .*); lock: $run/lock" "$tmp/err" ||
	{ cat "$tmp/err"; echo "message does not name the holder"; exit 1; }
[ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; echo "want one line"; exit 1; }
kill -9 -- -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
# wait reaps the leader only: the group's other processes may still be
# exiting, holding the lock's file descriptor (CI once saw "a process it
# started still holds the lock"); what is being tested is a holder that is
# gone, so wait until the whole group is
for _ in $(seq 1 100); do
	kill -0 -- -"$pid" 2>/dev/null || break
	sleep 0.1
done
pid=
# The killed holder's lock is stale: taken over, and the run finishes.
pipelines/tttd-discover.sh "${args[@]}" || { echo "the stale lock was not taken over"; exit 1; }
test -f "$run/steps/000000.mp"
grep -q "^pid [0-9]* on " "$run/lock"
echo "ok: a second run was kept out and a stale lock taken over"
