#!/usr/bin/env bash
# tttd-bench's limits on what a CPU candidate may take, on the task
# tests/data/faulty/vadd: a candidate that writes 50 MB to stderr is timed
# (ok) with the first 4 KiB of it in its record and none of it in
# tttd-bench's stderr (it used to be copied there whole, into the step
# log); one that allocates gigabytes is stopped as "oom" at the task's
# memory limit (it used to thrash into "timeout", or take the machine).
# Good candidates around them are still timed.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH="$top/bin:$PATH"
data=$top/tests/data/faulty
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "bench_limits: $*" >&2; exit 1; }

i=0
for name in good noisy hog good; do
	i=$((i + 1))
	jq -cn --arg id "$(printf '%032x' "$i")" --rawfile src "$data/$name.c" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cpu",
		  status:"generated", decisions:{UNROLL:"1"}, cflags:"-O2", source:$src}'
done | tttd-cat -j | tttd-compile -q >compiled.mp
tttd-bench -q --task "$data/vadd" --timeout 20 --max-time 0.1 --seed 7 compiled.mp >out.mp 2>err
tttd-cat out.mp >out.jsonl
jq -c '{status, reason, stderr: (.stderr // "" | length)}' out.jsonl >&2
[ "$(wc -l <out.jsonl)" = 4 ] || fail "want 4 records"
st() { sed -n "${1}p" out.jsonl | jq -r .status; }
[ "$(st 1)/$(st 2)/$(st 3)/$(st 4)" = ok/ok/oom/ok ] || fail "statuses $(st 1)/$(st 2)/$(st 3)/$(st 4), want ok/ok/oom/ok"
# The noisy one: 4096 bytes of x's and a note; tttd-bench's stderr stays small.
sed -n 2p out.jsonl | jq -e '(.stderr | startswith("xxxx")) and (.stderr | test("truncated at 4096 bytes"))
	and (.stderr | length) < 4200' >/dev/null || fail "noisy: bad stderr key"
[ "$(wc -c <err)" -lt 4096 ] || fail "tttd-bench's stderr holds $(wc -c <err) bytes"
# Quiet candidates have no stderr key.
sed -n 1p out.jsonl | jq -e 'has("stderr") | not' >/dev/null || fail "good: a stderr key"
# The hog: stopped for its memory well before the timeout, the limit named.
sed -n 3p out.jsonl | jq -e '(.reason | test("^out of memory: held [0-9]+ MiB, more than the 10[0-9][0-9] MiB"))
	and .bench_ms < 15000' >/dev/null || fail "hog: $(sed -n 3p out.jsonl | jq -c '{reason, bench_ms}')"
echo ok
