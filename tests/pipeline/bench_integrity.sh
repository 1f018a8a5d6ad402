#!/usr/bin/env bash
# tttd-bench believes no time it did not measure (issue 12 item 4): a record
# that arrives with a measurement (status ok, a time) without a valid
# bench_mac, in its input or in --done, is measured again (with its object)
# or becomes "unverified" (without one); a record it measured itself, with
# the same task and protocol, is reused from --done as it is.  The key is a
# private file under $XDG_DATA_HOME/tttd.
#
# Before (main at 098fdb2): a record with status ok and time_ns 1 passed
# tttd-bench unmeasured, and a --done file with a forged time_ns was reused
# as it was (both checked here by hand against that build).
set -eu
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH="$top/bin:$PATH"
task=$top/tests/data/faulty/vadd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_DATA_HOME=$work/xdg

fail=0
bad() {
	echo "FAIL: $*" >&2
	fail=1
}
bench() { tttd-bench --task "$task" --timeout 5 --max-time 0.05 --seed 5 "$@"; }

for i in 1 2 3; do
	jq -cn --arg id "$(printf '%032x' "$i")" --rawfile src "$top/tests/data/faulty/good.c" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cpu", status:"generated",
		  decisions:{UNROLL:"1"}, cflags:"-O2", source:$src}'
done | tttd-cat -j | tttd-compile -q >compiled.mp

# A first run: every record measured and sealed; the key is a private file.
bench -q --keep-object compiled.mp >first.mp
tttd-cat first.mp >first.jsonl
[ "$(jq -s 'map(select(.status == "ok" and (.bench_mac | length) == 64)) | length' first.jsonl)" = 3 ] ||
	bad "first run: want 3 ok records with a bench_mac"
key=$XDG_DATA_HOME/tttd/bench.key
[ -f "$key" ] && [ "$(stat -c %a "$key")" = 600 ] && [ "$(stat -c %s "$key")" = 32 ] ||
	bad "no private 32-byte key at $key"

# Forged in the input: #1 ok with time_ns 1 and its object (measured again),
# #2 the same without its object (unverified), #3 untouched (passes as it is).
jq -c 'if .id == "00000000000000000000000000000001" then .time_ns = 1 | .speedup = 1e6
       elif .id == "00000000000000000000000000000002" then .time_ns = 1 | del(.object)
       else . end' first.jsonl | tttd-cat -j >forged.mp
bench -q forged.mp >second.mp 2>second.err || bad "tttd-bench failed: $(cat second.err)"
tttd-cat second.mp >second.jsonl
r1=$(sed -n 1p second.jsonl) r2=$(sed -n 2p second.jsonl) r3=$(sed -n 3p second.jsonl)
jq -e '.status == "ok" and .time_ns != 1 and (.timing | length) == 2 and (.bench_mac | length) == 64' \
	<<<"$r1" >/dev/null || bad "forged with object: not measured again: $(jq -c '{status, time_ns}' <<<"$r1")"
jq -e '.status == "unverified" and (has("time_ns") | not) and (has("speedup") | not)
       and (.reason | test("bench_mac"))' <<<"$r2" >/dev/null ||
	bad "forged without object: $(jq -c '{status, time_ns, reason}' <<<"$r2")"
[ "$(jq -c 'del(.object)' <<<"$r3")" = "$(sed -n 3p first.jsonl | jq -c 'del(.object)')" ] ||
	bad "a record this tool measured did not pass through unchanged"

# --done: the genuine records are reused as they are; a forged time is not.
jq -c 'del(.object) | if .id == "00000000000000000000000000000002" then .time_ns = 1 else . end' \
	first.jsonl | tttd-cat -j >done.mp
bench -v --done done.mp compiled.mp >third.mp 2>third.err
tttd-cat third.mp >third.jsonl
grep -q "00000000000000000000000000000001: reused" third.err || bad "genuine #1 not reused"
grep -q "00000000000000000000000000000002: not reused" third.err || bad "forged #2 reused"
jq -se 'map(select(.id == "00000000000000000000000000000002"))[0] | .time_ns != 1 and .status == "ok"' \
	third.jsonl >/dev/null || bad "forged #2: time_ns 1 came through --done"

# Other options are another protocol: nothing of the first run is reused.
tttd-bench -v --task "$task" --timeout 5 --max-time 0.05 --seed 6 --done done.mp compiled.mp \
	>/dev/null 2>fourth.err
grep -q ": reused from" fourth.err && bad "reused across seeds"

# A key file others can read is not trusted (and says so).
chmod 644 "$key"
bench --done done.mp compiled.mp >/dev/null 2>fifth.err
grep -q "not a private file" fifth.err || bad "a world-readable key was used: $(cat fifth.err)"
[ "$fail" = 0 ] && echo "bench_integrity: ok"
exit "$fail"
