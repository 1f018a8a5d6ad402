#!/bin/bash
# tests/pipeline/bench_replay.sh - tttd-bench's timing protocol 2 on the CPU
# target (the same code times GPU candidates, lib/bench/bench.c): a kernel that
# replays its last output is found wrong at a timed call checked at random,
# one that leaves every other call's output unwritten fails the poison scan,
# and a good kernel in the same batch is timed ok.  Protocol 1
# (TTTD_BENCH_PROTOCOL=1) accepted the replay: asserted too, so this test
# shows the hole it closes.  Needs PATH with the built tools and TTTD_TOP.
set -eu
top=${TTTD_TOP:?}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
for n in good replay lazy; do
	src=$top/tests/data/replay/$n.c
	[ "$n" = good ] && src=$top/tests/data/faulty/good.c
	cc -O2 -shared -fPIC -o "$n.so" "$src"
	jq -cn --arg id "$n" --arg obj "$(base64 -w0 "$n.so")" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cpu", status:"compiled", object:{"$bin":$obj}}'
done | tttd-cat -j >batch.msgpack
bench() { tttd-bench -q --task "$top/tests/data/faulty/vadd" --max-time 0.1 --no-flush <batch.msgpack | tttd-cat; }
bench >new.jsonl
TTTD_BENCH_PROTOCOL=1 bench >old.jsonl
st() { jq -r --arg id "$2" 'select(.id == $id) | .status' "$1"; }
why() { jq -r --arg id "$2" 'select(.id == $id) | .reason // ""' "$1"; }
# q FILE ID EXPR: is EXPR true of record ID in FILE?
q() { jq -se --arg id "$2" "map(select(.id == \$id))[0] | $3" "$1" >/dev/null; }
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1" >&2; fail=1; fi; }
check "good ok and timed" 'q new.jsonl good ".status == \"ok\" and .time_ns > 0"'
check "good: timed calls sampled" 'q new.jsonl good ".check.protocol == 2 and .check.timed_checked >= 4 and .check.timed_calls >= 10"'
check "replay wrong at a timed call" '[ "$(st new.jsonl replay)" = wrong ] && why new.jsonl replay | grep -q "^timed call [0-9]* of [0-9]* (checked at random after the calls)"'
check "lazy: poison left at a timed call" '[ "$(st new.jsonl lazy)" = nan ] && why new.jsonl lazy | grep -q "still held the NaN poison"'
check "protocol 1 accepted the replay" '[ "$(st old.jsonl replay)" = ok ] && [ "$(st old.jsonl good)" = ok ]'
check "protocol 1 recorded" 'q old.jsonl good ".check.protocol == 1 and .check.timed_checked == 0"'
if [ $fail != 0 ]; then
	cat new.jsonl old.jsonl | jq -c '{id, status, reason, check}' >&2
	exit 1
fi
echo "bench_replay: ok"
