#!/bin/bash
# tests/gpu/hostile.sh - the hostile-candidate batch of the GPU suite (run by
# tests/gpu/run.sh, so by make test-gpu; needs the tools built with CUDA=1
# and an NVIDIA GPU).  One candidate per exploit class (tests/gpu/hostile/*.cu,
# each commented with what it did before and what it does now) between good
# kernels, through tttd-compile | tttd-bench on the task tests/gpu/hostile,
# twice: with the timing protocol 2 (asserted: each hostile one rejected with
# a clear reason, or ok and no faster than 0.7x the good kernels, which is
# "gains nothing" with a wide margin: a replay here is several times faster)
# and with protocol 1 (TTTD_BENCH_PROTOCOL=1, the code before issue 12;
# reported, not asserted: the "before" column).  Prints a table last; logs
# in $OUT (default /tmp/tttd-gpu).  Exit 1 if an assertion fails.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=${OUT:-/tmp/tttd-gpu}
mkdir -p "$out"
export PATH="$top/bin:$PATH"
h=tests/gpu/hostile
# name file class
batch="good1 good -
memo memo memoized-replay
aftern aftern after-N-launches
deferred deferred deferred-output
good2 good -
skip skip skipped-work
inputs inputs modified-inputs
peek peek reads-another-buffer
underfloor underfloor under-the-floor
good3 good -"
# A cheat is sent as cheat.cuh (what the cheats share) followed by its own file.
echo "$batch" | while read -r name file class; do
	if [ "$class" = - ]; then src=$(cat "$h/$file.cu"); else src=$(cat "$h/cheat.cuh" "$h/$file.cu"); fi
	jq -cn --arg id "$name" --arg src "$src" \
		'{v:1, kind:"candidate", id:$id, task:"hostile", target:"cuda", status:"generated",
		  source:$src, cflags:"-O3"}'
done | tttd-cat -j | tttd-compile -q --arch "${TTTD_ARCH:-sm_90a}" >"$out/hostile.compiled" 2>"$out/hostile.err"
for p in 2 1; do
	TTTD_BENCH_PROTOCOL=$p tttd-bench -q --backend cuda --task "$h" --timeout 10 --max-time 0.3 \
		<"$out/hostile.compiled" 2>>"$out/hostile.err" | tttd-cat >"$out/hostile.p$p.jsonl"
done
# st FILE NAME: "status ratio reason" of NAME, ratio = time_ns / geomean(good times)
st() {
	jq -sr --arg id "$2" '
		([.[] | select(.id | startswith("good")) | .time_ns // empty] | if length > 0
		  then (map(log) | add / length | exp) else 0 end) as $g
		| .[] | select(.id == $id)
		| "\(.status) \(if (.time_ns // 0) > 0 and $g > 0 then (.time_ns / $g * 100 | round / 100) else "-" end) \(.reason // "")"' "$1"
}
status=0
: >"$out/hostile.txt"
echo "$batch" | while read -r name _ class; do
	read -r s1 r1 _ <<<"$(st "$out/hostile.p1.jsonl" "$name")"
	read -r s2 r2 why <<<"$(st "$out/hostile.p2.jsonl" "$name")"
	ok=MISMATCH
	case $name in
	good*) [ "$s2" = ok ] && [ "$r2" != - ] && ok=ok ;;
	memo | skip | inputs | peek)
		# Rejected, or ok and no faster than the good kernels (ratio >= 0.7).
		if [ "$s2" = wrong ] || [ "$s2" = crash ]; then ok=ok
		elif [ "$s2" = ok ] && [ "$r2" != - ] && awk -v r="$r2" 'BEGIN { exit !(r >= 0.7) }'; then ok=ok; fi ;;
	aftern) [ "$s2" = wrong ] && grep -q "^timed call" <<<"$why" && ok=ok ;;
	deferred) [ "$s2" = nan ] && grep -q "NaN poison" <<<"$why" && ok=ok ;;
	underfloor) case $s2 in wrong | too_fast | nan) ok=ok ;; esac ;;
	esac
	printf '%-10s %-20s before %-9s %5s  after %-9s %5s  %-8s %.90s\n' "$name" "$class" "${s1:-none}" "${r1:--}" \
		"${s2:-none}" "${r2:--}" "$ok" "$why" >>"$out/hostile.txt"
done
grep -q MISMATCH "$out/hostile.txt" && status=1
[ "$(wc -l <"$out/hostile.txt")" = 10 ] || status=1
echo "hostile batch (time / good kernels' geomean; before = protocol 1, after = protocol 2):"
cat "$out/hostile.txt"
tail -3 "$out/hostile.err"
exit $status
