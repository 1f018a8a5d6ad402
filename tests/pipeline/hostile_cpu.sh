#!/usr/bin/env bash
# The hostile-candidate suite on the CPU target (issue 12): one candidate per
# exploit class (tests/hostile/cpu/*.c), in one batch with good candidates
# between them, through tttd-compile and tttd-bench.  Each must be rejected
# with a clear reason, or gain nothing, and the good ones must still be
# timed ok.  What each did before the sandbox is in its own comment (run on
# main at 098fdb2, the commit before it).
set -eu
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH="$top/bin:$PATH"
hostile=$top/tests/hostile/cpu
task=$top/tests/data/faulty/vadd
work=$(mktemp -d)
escaped=
cleanup() {
	[ -n "$escaped" ] && kill "$escaped" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
mkdir ev
export TTTD_HOSTILE_DIR=$work/ev
echo "s3cr3t-token" >ev/secret

cases="good forged_reply good inject kill_parent good fork_escape file_write file_read network
good memo after_n modify_inputs good flag_wrapper flag_mf flag_atfile good"

i=0
for name in $cases; do
	i=$((i + 1))
	id=$(printf '%030x%02x' 12 "$i")
	cflags=-O2
	case $name in
	good) src=$(cat "$top/tests/data/faulty/good.c") ;;
	flag_*)
		src=$(cat "$top/tests/data/faulty/good.c")
		case $name in
		flag_wrapper) cflags="-O2 -wrapper /bin/sh,-c,touch\${IFS}$work/ev/wrapped" ;;
		flag_mf) cflags="-O2 -MF $work/ev/deps" ;;
		flag_atfile) cflags="-O2 @$work/ev/secret" ;;
		esac
		;;
	*) src=$(cat "$hostile/common.h"; grep -v '#include "common.h"' "$hostile/$name.c") ;;
	esac
	jq -cn --arg id "$id" --arg src "$src" --arg name "$name" --arg cflags "$cflags" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cpu", hostile:$name,
		  status:"generated", decisions:{UNROLL:"1"}, cflags:$cflags, source:$src}'
done >cands.jsonl
n=$i

tttd-cat -j cands.jsonl >cands.mp
tttd-compile -q cands.mp >compiled.mp
# 20 timed calls per shape at most (after_n skips its work on calls 22-120,
# whatever warm-up precedes them), a budget that rarely cuts them short.
rc=0
tttd-bench -q --task "$task" --timeout 5 --max-time 2 --min-reps 20 --max-reps 20 --seed 3 \
	compiled.mp >out.mp 2>bench.err || rc=$?
tttd-cat out.mp >out.jsonl
sleep 0.5 # a forked escapee would have written its pid by now
jq -c '{hostile, status, time_ns, reason: (.reason // "" | .[0:110]),
	stderr: (.stderr // "" | .[0:40]), n: [.timing[]?.n]}' out.jsonl >&2

fail=0
bad() {
	echo "FAIL: $*" >&2
	fail=1
}
[ "$rc" = 0 ] || bad "tttd-bench exited $rc: $(cat bench.err)"
got=$(wc -l <out.jsonl)
[ "$got" = "$n" ] || bad "want $n records (nothing injected, nothing lost), got $got"
jq -e 'select(.id == "f0rged")' out.jsonl >/dev/null && bad "inject: a forged record is in the stream"

i=0
for name in $cases; do
	i=$((i + 1))
	rec=$(jq -c --arg id "$(printf '%030x%02x' 12 "$i")" 'select(.id == $id)' out.jsonl)
	st=$(jq -r .status <<<"$rec")
	why=$(jq -r '.reason // ""' <<<"$rec")
	case $name in
	good)
		jq -e '.status == "ok" and .time_ns > 0 and (.timing | length) == 2' <<<"$rec" >/dev/null ||
			bad "good (#$i): $st: $why" ;;
	forged_reply)
		# No socket to forge on: nothing written, nothing timed.
		[ "$st" != ok ] || bad "forged_reply: status ok" ;;
	inject | kill_parent | fork_escape | file_write | file_read | network)
		[ "$st" = crash ] && [[ $why == *"sandbox refused system call"* ]] ||
			bad "$name: status '$st' ($why), want crash: sandbox refused" ;;
	memo)
		# Every timed call had to compute: at least one miss (M) per timed call.
		jq -e '.status == "ok" and ((.stderr // "") | length) >= ([.timing[].n] | add)' <<<"$rec" \
			>/dev/null || bad "memo: $st, misses '$(jq -r '.stderr // ""' <<<"$rec")' fewer than timed calls" ;;
	after_n)
		[ "$st" = nan ] && [[ $why == *"timed call"* ]] || bad "after_n: status '$st' ($why)" ;;
	modify_inputs)
		[ "$st" = wrong ] && [[ $why == *"was modified"* ]] || bad "modify_inputs: status '$st' ($why)" ;;
	flag_*)
		[ "$st" = compile_error ] && [[ $why == *"not allowed"* || $why == *"refused"* || $why == *"allow"* ]] ||
			bad "$name: status '$st' ($why), want compile_error naming the flag" ;;
	esac
done
[ ! -e ev/written ] || bad "file_write: the file was written"
[ ! -e ev/wrapped ] || bad "flag_wrapper: the wrapper ran"
[ ! -e ev/deps ] || bad "flag_mf: the dependency file was written"
if [ -e ev/escaped.pid ]; then
	escaped=$(cat ev/escaped.pid)
	bad "fork_escape: a child escaped (pid $escaped)"
fi
grep -q s3cr3t out.jsonl && bad "file_read or flag_atfile: the secret is in the records"
[ "$fail" = 0 ] && echo "hostile_cpu: ok ($n candidates)"
exit "$fail"
