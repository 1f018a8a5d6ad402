#!/usr/bin/env bash
# Non-finite or huge numbers never reach the policy: a NaN or infinite or
# huge advantage in a record (tttd-train), a time that makes the reward
# infinite (tttd-score), a NaN or infinite weight in a checkpoint (every tool
# that loads it).  Each is refused with one line naming the problem, exit 1,
# and no checkpoint is written.  Before, tttd-train trained on them: a
# checkpoint of NaN weights, or an Adam second moment of 1e600 = inf.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad() { echo "FAIL: $*"; exit 1; }

# Replace the msgpack float64 X by Y in a stream (JSON cannot spell NaN or inf).
swap_double() { # file x perl-expression-for-y
	perl -0777 -pi -e 'BEGIN { $a = pack("Cd>", 0xcb, '"$2"'); $b = pack("Cd>", 0xcb, '"$3"'); }
		s/\Q$a\E/$b/ or die "value not found\n"' "$1"
}
# $1: expected text in the one-line error; the rest: the command.
refused() {
	local want=$1 rc=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = 1 ] || { cat "$tmp/err"; bad "$* exited $rc, want 1"; }
	[ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; bad "$*: want one line of error"; }
	grep -q -- "$want" "$tmp/err" || { cat "$tmp/err"; bad "$*: error does not say '$want'"; }
}

# Four scored children of one parent: real decisions, made-up advantages.
tttd-select -q --task matmul --groups 1 </dev/null |
	tttd-generate -q --task matmul --children 4 --seed 1 | tttd-cat |
	jq -c '.status = "ok" | .advantage = ([0.5, -0.25, 1.25, -1.5][input_line_number - 1])' >"$tmp/batch.json"
tttd-cat -j "$tmp/batch.json" >"$tmp/good.mp"
tttd-train -q --task matmul --seed 1 --save "$tmp/ck.mp" -o /dev/null "$tmp/good.mp" || bad "a good batch was refused"

# Advantages: NaN, +inf, huge (finite but beyond any estimator's range).
for v in '-sin(9**9**9)' '9**9**9' '-1e300'; do
	cp "$tmp/good.mp" "$tmp/adv.mp"
	swap_double "$tmp/adv.mp" 1.25 "$v"
	rm -f "$tmp/ck2.mp"
	refused "'advantage' .* is out of range" tttd-train -q --task matmul --seed 1 --policy "$tmp/ck.mp" \
		--save "$tmp/ck2.mp" -o /dev/null "$tmp/adv.mp"
	[ ! -e "$tmp/ck2.mp" ] || bad "a checkpoint was written from advantage $v"
done

# A benchmark time so small that the reward overflows (a forged record).
jq -c 'del(.advantage) | .time_ns = (if input_line_number == 1 then 1e-320 else 1000 end)' "$tmp/batch.json" |
	tttd-cat -j >"$tmp/tiny.mp"
refused "reward that is not finite" tttd-score -q --task matmul "$tmp/tiny.mp"

# A checkpoint holding NaN / inf: every loader names the file and the key.
tttd-cat "$tmp/ck.mp" | jq -c '.params[3] = 12345.5 | .adam_v[0] = 23456.5' | tttd-cat -j >"$tmp/base.mp"
for v in '-sin(9**9**9)' '-(9**9**9)'; do
	cp "$tmp/base.mp" "$tmp/nan.mp"
	swap_double "$tmp/nan.mp" 12345.5 "$v"
	refused "nan.mp': policy checkpoint: 'params'\[3\] is .*not a finite" \
		tttd-generate -q --task matmul --children 2 --policy "$tmp/nan.mp" "$tmp/good.mp"
	refused "nan.mp': policy checkpoint: 'params'\[3\]" \
		tttd-train -q --task matmul --policy "$tmp/nan.mp" --save "$tmp/ck3.mp" -o /dev/null "$tmp/good.mp"
	[ ! -e "$tmp/ck3.mp" ] || bad "a checkpoint was written from a NaN one"
done
cp "$tmp/base.mp" "$tmp/v.mp"
swap_double "$tmp/v.mp" 23456.5 '-2'
refused "'adam_v'\[0\] is -2, not a finite non-negative" \
	tttd-train -q --task matmul --policy "$tmp/v.mp" --save "$tmp/ck3.mp" -o /dev/null "$tmp/good.mp"
echo "ok: NaN, inf and huge values refused by tttd-train, tttd-score and the checkpoint loaders"
