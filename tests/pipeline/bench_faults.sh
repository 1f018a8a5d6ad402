#!/usr/bin/env bash
# tttd-bench on a batch of broken CPU candidates (tests/data/faulty/): each is
# classified (timeout, crash with the signal, nan, wrong, load_error) while
# the batch goes on, and the good candidates between them are still timed.
# The stream is built by hand: JSON lines -> tttd-cat -j -> tttd-compile
# -> tttd-bench.
set -eu
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH="$top/bin:$PATH"
data=$top/tests/data/faulty
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# name and the status it must get, in batch order (good ones between faults).
cases="good:ok loop:timeout good:ok segv:crash nan:nan wrong:wrong skip:wrong tail:nan
abort:crash clobber:wrong noentry:load_error sloppy:wrong good:ok"

i=0
for c in $cases; do
	name=${c%%:*}
	i=$((i + 1))
	id=$(printf '%032x' "$i")
	jq -cn --arg id "$id" --rawfile src "$data/$name.c" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cpu",
		  status:"generated", decisions:{UNROLL:"1"}, cflags:"-O2", source:$src}'
done >cands.jsonl
# A record of another kind passes through untouched, in order.
echo '{"v":1,"kind":"train","loss":0.5}' >>cands.jsonl

tttd-cat -j cands.jsonl >cands.mp
tttd-compile -q cands.mp >compiled.mp

tttd-bench -q --task "$data/vadd" --timeout 2 --max-time 0.1 --seed 7 compiled.mp >out.mp
tttd-cat out.mp >out.jsonl
cat out.jsonl | jq -c '{id, status, reason, speedup, time_ns}' >&2

fail=0
n=$(wc -l <out.jsonl)
[ "$n" = 14 ] || { echo "want 14 records, got $n" >&2; fail=1; }
[ "$(tail -n 1 out.jsonl | jq -r .kind)" = train ] || { echo "train record moved" >&2; fail=1; }
i=0
for c in $cases; do
	name=${c%%:*} want=${c#*:}
	i=$((i + 1))
	rec=$(sed -n "${i}p" out.jsonl)
	got=$(jq -r .status <<<"$rec")
	if [ "$got" != "$want" ]; then
		echo "$name: status '$got', want '$want': $(jq -r .reason <<<"$rec")" >&2
		fail=1
		continue
	fi
	# Every benched record has the tool, seed, device, ref_ns and no object.
	jq -e '.tool == "tttd-bench 0.1.0" and .seed == 7 and (.device | length > 0)
	       and .ref_ns > 0 and (has("object") | not) and .bench_ms > 0' <<<"$rec" >/dev/null ||
		{ echo "$name: missing bench keys" >&2; fail=1; }
	case $want in
	ok)
		jq -e '.time_ns > 0 and .speedup > 0 and (.timing | length) == 2
		       and all(.timing[]; .n >= 1 and .ci_lo_ns <= .median_ns and .median_ns <= .ci_hi_ns)
		       and .check.protocol == 2 and .check.timed_checked >= 2
		       and .check.checked >= (1 + 37 + 1000 + 4096 + 65536) + 4096 + 65536
		       and (.check.seeds | length) == 5 and .check.max_abs_err == 0' <<<"$rec" >/dev/null ||
			{ echo "$name: bad timing/check: $rec" >&2; fail=1; }
		;;
	timeout)
		# Killed at --timeout 2, not at the default 10 s.
		jq -e '(.reason | test("no result within 2 s")) and .bench_ms >= 2000
		       and .bench_ms < 5000' <<<"$rec" >/dev/null || fail=1 ;;
	crash)
		case $name in
		segv) jq -e '.reason == "killed by signal SIGSEGV"' <<<"$rec" >/dev/null || fail=1 ;;
		abort) jq -e '.reason == "killed by signal SIGABRT"' <<<"$rec" >/dev/null || fail=1 ;;
		esac
		;;
	nan)
		jq -e '.reason | test("NaN or inf")' <<<"$rec" >/dev/null || fail=1 ;;
	wrong)
		jq -e '.reason | test("differ|modified")' <<<"$rec" >/dev/null || fail=1 ;;
	load_error)
		jq -e '.reason | test("tttd_kernel")' <<<"$rec" >/dev/null || fail=1 ;;
	esac
done

# Same seed, same inputs: the check seeds are reproducible run to run.
tttd-bench -q --task "$data/vadd" --timeout 1 --max-time 0.05 --no-flush --seed 7 compiled.mp |
	tttd-cat | jq -c '.check.seeds' >seeds2
jq -c '.check.seeds' out.jsonl | cmp - seeds2 || { echo "seeds differ between runs" >&2; fail=1; }

# Resume: a truncated --done file; its complete records are reused as they are.
head -n 12 out.jsonl | tttd-cat -j >partial.mp
sed -n 13p out.jsonl | tttd-cat -j | head -c 40 >>partial.mp
tttd-bench --task "$data/vadd" --timeout 2 --max-time 0.1 --seed 7 --done partial.mp \
	compiled.mp 2>resume.err | tttd-cat >resumed.jsonl
grep -q "warning: .*keeping the 12 benchmarked records" resume.err ||
	{ echo "no truncation warning:" >&2; cat resume.err >&2; fail=1; }
# The first 12 come from the done file byte for byte (bench_ms included).
head -n 12 out.jsonl | cmp - <(head -n 12 resumed.jsonl) || { echo "resume changed records" >&2; fail=1; }
[ "$(sed -n 13p resumed.jsonl | jq -r .status)" = ok ] || fail=1

# --paired: the reference is timed again next to each candidate (A/B pairs),
# so every ok record carries its own ref_ns; without it they share one.
jq -c 'select(.status == "ok")' out.jsonl | jq -r .ref_ns | sort -u | wc -l | grep -qx 1 ||
	{ echo "unpaired run should share one ref_ns" >&2; fail=1; }
nok=$(jq -c 'select(.status == "ok")' out.jsonl | wc -l)
tttd-bench -q --task "$data/vadd" --timeout 1 --max-time 0.05 --no-flush --seed 7 --paired compiled.mp |
	tttd-cat | jq -r 'select(.status == "ok") | .ref_ns' | sort -u | wc -l >paired.n
[ "$(cat paired.n)" = "$nok" ] || { echo "--paired: $(cat paired.n) distinct ref_ns for $nok ok candidates" >&2; fail=1; }

exit $fail
