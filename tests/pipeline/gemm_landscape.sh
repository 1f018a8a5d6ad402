#!/usr/bin/env bash
# bench/gemm-landscape.sh end to end on the CPU task tests/data/tasks/ok_cpu
# (6 feasible choices): a sample of 3 in chunks of 2, then the neighbours of
# the near-best; the replay task loads (tttd-space, tttd-select) and its
# optimum is the measured best; every feasible neighbour of every row within
# 10% of the best was measured; a second run measures nothing and rewrites no
# chunk; a lost chunk is measured again alone; other settings on the same
# folder are refused; the rejection sampler (past --list-max) draws distinct
# feasible choices.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
export PATH="$top/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
task=tests/data/tasks/ok_cpu
fail() { echo "gemm_landscape: $*"; exit 1; }
run() { bench/gemm-landscape.sh --task $task --shape 500 --max-time 0.02 --jobs 2 "$@"; }

run -n 3 --chunk 2 --out "$tmp/l" >"$tmp/out1" 2>"$tmp/err1" || { cat "$tmp/err1"; fail "first run failed"; }
[ "$(wc -l <"$tmp/l/sample.tsv")" = 3 ] || fail "a sample of 3 expected"
[ -s "$tmp/l/chunks/0000.tsv" ] && [ -s "$tmp/l/chunks/0001.tsv" ] || fail "the sample should take two chunks"
grep -q 'chunk 1 (sample)' "$tmp/err1" || { cat "$tmp/err1"; fail "no progress line"; }
tail -1 "$tmp/out1" | grep -q '^complete' || { cat "$tmp/out1"; fail "the run did not say it is complete"; }
r=$tmp/l/replay
grep -q '^# Measured by bench/gemm-landscape.sh on .*, commit ' "$r/task" || fail "no device/date/commit header"
grep -q 'protocol 2 at shape 500' "$r/task" || fail "no protocol in the header"
rows=$(grep -v '^#' "$r/times.tsv" | sed 1d)
n=$(printf '%s\n' "$rows" | wc -l)
[ "$n" -ge 3 ] || fail "times.tsv: at least the 3 sampled rows expected, got $n"
best=$(printf '%s\n' "$rows" | awk '$4 > 0 && (b == "" || $4 < b) { b = $4 } END { print b }')
got=$(tttd-space -q "$r" | tttd-cat | jq '.best_ns * 10 | round / 10')
[ "$got" = "$best" ] || fail "the replay's optimum $got is not the measured best $best"
tttd-select -q --task "$r" --groups 2 </dev/null | tttd-cat | jq -e 'select(.kind == "parent")' >/dev/null ||
	fail "tttd-select cannot start on the replay"
# Every feasible one-decision neighbour of a row within 10% of the best is a row.
missing=$(printf '%s\n' "$rows" | awk -v b="$best" '$4 > 0 && $4 <= b * 1.1 { print $1 "\t" $2 "\t" $3 }' |
	while IFS=$'\t' read -r a u m; do
		awk -F'\t' -v a="$a" -v u="$u" -v m="$m" '(($1 != a) + ($2 != u) + ($3 != m)) == 1' "$tmp/l/space.tsv"
	done | sort -u | while IFS=$'\t' read -r a u m; do
		printf '%s\n' "$rows" | awk -v a="$a" -v u="$u" -v m="$m" '$1 == a && $2 == u && $3 == m { f = 1 } END { exit !f }' ||
			echo "$a $u $m"
	done)
[ -z "$missing" ] || fail "neighbours of the near-best not measured: $missing"

# A second run measures nothing and rewrites no chunk.
sums=$(md5sum "$tmp"/l/chunks/*)
run -n 3 --chunk 2 --out "$tmp/l" >"$tmp/out2" 2>"$tmp/err2" || { cat "$tmp/err2"; fail "second run failed"; }
! grep -q 'chunk ' "$tmp/err2" || { cat "$tmp/err2"; fail "the second run measured again"; }
[ "$sums" = "$(md5sum "$tmp"/l/chunks/*)" ] || fail "the second run rewrote a chunk"
tail -1 "$tmp/out2" | grep -q '^complete' || fail "the second run is not complete"

# A chunk lost (a run killed before its table) is measured again, and of
# the sample nothing else.  (Its new times may move the near-best set and
# bring new neighbours: timings of a CPU task are not repeatable, so more
# neighbour chunks may follow, but no configuration is measured twice.)
rm "$tmp/l/chunks/0001.tsv"
run -n 3 --chunk 2 --out "$tmp/l" >"$tmp/out3" 2>"$tmp/err3" || { cat "$tmp/err3"; fail "resume failed"; }
# (one sample chunk: the lost one; a kept one would be a second)
[ "$(grep -c '(sample)' "$tmp/err3")" = 1 ] || { cat "$tmp/err3"; fail "the lost sample chunk alone should be measured again"; }
[ "$(cat "$tmp"/l/chunks/*.tsv | wc -l)" -ge "$n" ] || fail "after the resume, at least $n measured rows expected"
[ -z "$(cut -f1-3 "$tmp"/l/chunks/*.tsv | sort | uniq -d)" ] || fail "a configuration was measured twice"

# Other settings on the same folder are refused.
set +e
run -n 4 --out "$tmp/l" >/dev/null 2>"$tmp/err4"; rc4=$?
bench/gemm-landscape.sh --chunk 0 2>"$tmp/err5"; rc5=$?
bench/gemm-landscape.sh --task no/such/task --out "$tmp/x" 2>"$tmp/err6"; rc6=$?
set -e
[ $rc4 = 1 ] && grep -q 'other settings' "$tmp/err4" || fail "other settings: exit $rc4"
[ $rc5 = 2 ] && grep -q 'invalid number' "$tmp/err5" || fail "--chunk 0: exit $rc5"
[ $rc6 = 1 ] && grep -q 'no task folder' "$tmp/err6" || fail "no task: exit $rc6"

# Past --list-max: rejection sampling, distinct feasible choices.
run -n 2 --seed 5 --list-max 1 --out "$tmp/rj" >"$tmp/out7" 2>"$tmp/err7" || { cat "$tmp/err7"; fail "rejection run failed"; }
[ "$(sort -u "$tmp/rj/sample.tsv" | wc -l)" = 2 ] || fail "2 distinct sampled choices expected"
grep -q 'rejection sampling' "$tmp/rj/replay/task" || fail "the header does not say how the sample was drawn"
awk -F'\t' '$1 == "-O1" && $2 == "4"' "$tmp/rj/sample.tsv" | grep -q . && fail "an infeasible choice was sampled"
echo ok
