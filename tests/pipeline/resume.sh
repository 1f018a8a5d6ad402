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

cp -a "$run" "$tmp/killed"
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

# Damage, then the same command again: the damaged file is named (path, step,
# byte offset) and repaired, the run finishes, and no complete record is lost.
cp -a "$run" "$tmp/pristine"
args_nb=(-q --task matmul --backend cpu --steps 2 --groups 3 --children 4 --seed 3 --no-best)
ids() { tttd-cat "$1" | jq -c '{id, time_ns}' | sort; }
ids "$run/steps/000001.mp" >"$tmp/all1"
fresh() { rm -rf "$tmp/case" && cp -a "$tmp/pristine" "$tmp/case"; }
resume_ok() { # $1: what must be in the warning
	pipelines/tttd-discover.sh "${args_nb[@]}" --run "$tmp/case" 2>"$tmp/err" || { cat "$tmp/err"; echo "resume after damage failed"; exit 1; }
	grep -q -- "$1" "$tmp/err" || { cat "$tmp/err"; echo "warning does not say '$1'"; exit 1; }
}
# The last step truncated: at its last byte, in the middle, after 1 byte, to nothing.
size=$(stat -c %s "$tmp/pristine/steps/000001.mp")
for at in $((size - 1)) $((size / 2)) 1 0; do
	fresh
	f=$tmp/case/steps/000001.mp
	truncate -s "$at" "$f"
	tttd-cat "$f" 2>/dev/null | jq -c '{id, time_ns}' | sort >"$tmp/kept" || true
	resume_ok "step 1: '$f' is damaged at byte [0-9]*"
	test -f "$f.damaged" || { echo "the damaged file is not kept"; exit 1; }
	ids "$f" >"$tmp/after"
	# The complete records before the damage are kept as they were; the step is whole again.
	[ -z "$(comm -23 "$tmp/kept" "$tmp/after")" ] || { echo "truncated at $at: records lost"; exit 1; }
	[ "$(wc -l <"$tmp/after")" = 12 ] || { echo "truncated at $at: step 1 has $(wc -l <"$tmp/after") records, want 12"; exit 1; }
	cmp -s <(jq -r .id "$tmp/after") <(jq -r .id "$tmp/all1") || { echo "truncated at $at: not the same batch"; exit 1; }
	tttd-cat "$tmp/case/policy/000001.ckpt" >/dev/null || { echo "truncated at $at: no checkpoint"; exit 1; }
done
# A corrupt byte in the last step (a record header): named and redone.
fresh
printf '\xc1' | dd of="$tmp/case/steps/000001.mp" bs=1 count=1 conv=notrunc 2>/dev/null
resume_ok "step 1: '$tmp/case/steps/000001.mp' is damaged at byte 0 (corrupt record 0"
[ "$(ids "$tmp/case/steps/000001.mp" | wc -l)" = 12 ] || { echo "corrupt byte: step 1 not whole"; exit 1; }
# An earlier step cut short: kept with its complete records if nothing later
# builds on the lost ones, else the message says exactly what to move away.
fresh
f=$tmp/case/steps/000000.mp
truncate -s $(($(stat -c %s "$f") - 1)) "$f"
if pipelines/tttd-discover.sh "${args_nb[@]}" --run "$tmp/case" 2>"$tmp/err"; then
	grep -q "step 0: '$f' is damaged at byte [0-9]* .*kept its 11 complete records" "$tmp/err" || { cat "$tmp/err"; exit 1; }
else
	grep -q "move away steps/000000.mp to steps/000001.mp and policy/000000.ckpt to policy/000001.ckpt" "$tmp/err" ||
		{ cat "$tmp/err"; echo "no instruction"; exit 1; }
	mkdir "$tmp/aside" && mv "$tmp/case"/steps/00000[01].mp "$tmp/case"/policy/00000[01].ckpt "$tmp/aside/"
	pipelines/tttd-discover.sh "${args_nb[@]}" --run "$tmp/case" || { echo "the instruction did not work"; exit 1; }
fi
ids "$tmp/case/steps/000000.mp" >/dev/null && test -f "$tmp/case/steps/000001.mp"
# Checkpoints: a bad first byte, cut in half, a NaN weight: trained again.
for how in byte half nan; do
	fresh
	ck=$tmp/case/policy/000001.ckpt
	case $how in
	byte) printf '\xc1' | dd of="$ck" bs=1 count=1 conv=notrunc 2>/dev/null ;;
	half) truncate -s $(($(stat -c %s "$ck") / 2)) "$ck" ;;
	# The first weight becomes 12345.5, then its bytes a NaN.  Edited in
	# tttd-cat's own JSON, not through jq: jq prints a large double such as
	# an Adam v of 1.38e19 as an integer, which no longer fits 64 bits.
	nan) tttd-cat "$ck" | perl -pe 's/"params":\[[^,\]]*/"params":[12345.5/ or die' | tttd-cat -j >"$ck.new" && mv "$ck.new" "$ck"
		perl -0777 -pi -e 'BEGIN { $a = pack("Cd>", 0xcb, 12345.5); $b = pack("Cd>", 0xcb, -sin(9**9**9)); } s/\Q$a\E/$b/ or die' "$ck" ;;
	esac
	resume_ok "step 1: checkpoint '$ck' is damaged"
	tttd-generate -q --task matmul --policy "$ck" </dev/null || { echo "checkpoint ($how) not repaired"; exit 1; }
	cmp -s "$ck" "$tmp/pristine/policy/000001.ckpt" || { echo "checkpoint ($how): retrained differs from the original"; exit 1; }
	cmp -s "$tmp/case/steps/000001.mp" "$tmp/pristine/steps/000001.mp" || { echo "checkpoint ($how): the step changed"; exit 1; }
done
echo "ok: damaged step files and checkpoints named and repaired"

# A resume killed again before its new partial had the records of the first
# attempt (they were only in .prev): the next resume still keeps them all.
p=$tmp/killed/steps/000001.partial
tttd-cat "$p" 2>/dev/null | tttd-cat -j -o "$p.prev" || true
: >"$p"
rm -f "$tmp/killed/steps"/*.tmp
pipelines/tttd-discover.sh "${args_nb[@]}" --run "$tmp/killed"
ids "$tmp/killed/steps/000001.mp" >"$tmp/after2"
[ -z "$(comm -23 "$tmp/before" "$tmp/after2")" ] || { echo "records of the first attempt lost on a second resume"; exit 1; }
echo "ok: a resume of a resume kept the first attempt's records"
