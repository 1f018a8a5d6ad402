#!/usr/bin/env bash
# pipelines/tttd-fanout.sh on the CPU target with simulated workers
# (--workers 3: three tttd-bench processes on device 0):
#   - the model task (deterministic times): the records equal one
#     tttd-bench's for the same seed, every key, wall-clock fields aside;
#   - a real CPU batch (tests/data/faulty, good and broken kernels and a
#     record of another kind): the same ids, statuses and keys in the same
#     order as one tttd-bench;
#   - a shard that fails once is run again and nothing is lost or doubled;
#     a shard that always fails (or drops a record) fails the stage with
#     exit 1 and no output;
#   - --done passes through; the shell runner (no GNU parallel) agrees.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH="$top/bin:$PATH"
fan=$top/pipelines/tttd-fanout.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# 1. The model task: 2 steps' worth of candidates, exact comparison.
syn=$top/tests/data/tasks/synthetic
tttd-select -q --task "$syn" --groups 4 --step 0 </dev/null |
	tttd-generate -q --task "$syn" --children 8 --seed 5 | tttd-compile -q >syn.mp
norm() { tttd-cat "$1" | jq -c 'del(.bench_ms, .compile_ms)'; }
tttd-bench -q --task "$syn" --seed 3 syn.mp >one.mp
"$fan" -q --workers 3 --task "$syn" --seed 3 syn.mp >three.mp
[ "$(norm one.mp | wc -l)" = 32 ] || bad "model: want 32 records"
cmp <(norm one.mp) <(norm three.mp) || bad "model: 3 workers differ from one tttd-bench"
# More shards than workers, and more workers than records, change nothing.
"$fan" -q --workers 2 --shards 7 --task "$syn" --seed 3 -o seven.mp syn.mp
cmp <(norm one.mp) <(norm seven.mp) || bad "model: 7 shards differ"
tttd-cat syn.mp >syn.jsonl
head -n 2 syn.jsonl | tttd-cat -j >two.mp
"$fan" -q --workers 5 --task "$syn" --seed 3 two.mp | tttd-cat | wc -l | grep -qx 2 || bad "5 workers, 2 records"
# --workdir keeps the shards and their logs.
"$fan" -q --workers 2 --workdir wd --task "$syn" --seed 3 -o wd.mp syn.mp
[ -f wd/shard.1.out.jsonl ] && [ -f wd/shard.1.err ] || bad "--workdir: no shard files kept"
cmp <(norm one.mp) <(norm wd.mp) || bad "--workdir: records differ"
# An empty batch is an empty output, not an error.
: >empty.mp
[ "$("$fan" -q --workers 3 --task "$syn" empty.mp | wc -c)" = 0 ] || bad "empty batch"

# 2. A real CPU batch: ids, statuses and keys in order (times differ).
data=$top/tests/data/faulty
i=0
for name in good segv nan good wrong abort noentry good clobber good; do
	i=$((i + 1))
	jq -cn --arg id "$(printf '%032x' "$i")" --rawfile src "$data/$name.c" \
		'{v:1, kind:"candidate", id:$id, task:"vadd", target:"cpu", status:"generated",
		  decisions:{UNROLL:"1"}, cflags:"-O2", source:$src}'
	if [ $i = 4 ]; then echo '{"v":1,"kind":"train","loss":0.5}'; fi
done | tttd-cat -j | tttd-compile -q >cpu.mp
bopt=(--task "$data/vadd" --timeout 5 --max-time 0.02 --no-flush --seed 7)
shape() { tttd-cat "$1" | jq -c '[.kind, .id, .status, (keys | join(","))]'; }
tttd-bench -q "${bopt[@]}" cpu.mp >cpu1.mp
"$fan" -q --workers 3 "${bopt[@]}" cpu.mp >cpu3.mp
[ "$(shape cpu1.mp | wc -l)" = 11 ] || bad "cpu: want 11 records"
cmp <(shape cpu1.mp) <(shape cpu3.mp) || { bad "cpu: 3 workers differ from one"; diff <(shape cpu1.mp) <(shape cpu3.mp) >&2 || true; }
tttd-cat cpu3.mp | jq -r '.status // .kind' | tr '\n' ' ' >statuses
[ "$(cat statuses)" = "ok crash nan ok train wrong crash load_error ok wrong ok " ] || bad "cpu statuses: $(cat statuses)"
# The check seeds depend on the seed and the id only, so they survive sharding.
cmp <(tttd-cat cpu1.mp | jq -c .check.seeds) <(tttd-cat cpu3.mp | jq -c .check.seeds) || bad "check seeds differ"
# The shell runner (no GNU parallel) gives the same.
TTTD_FANOUT_NO_PARALLEL=1 "$fan" -q --workers 2 "${bopt[@]}" cpu.mp >cpush.mp
cmp <(shape cpu1.mp) <(shape cpush.mp) || bad "shell runner differs"

# 3. --done: records benched before are reused as they are (bench_ms too).
tttd-cat cpu1.mp >cpu1.jsonl
head -n 3 cpu1.jsonl | tttd-cat -j >done.mp
"$fan" -q --workers 3 "${bopt[@]}" --done done.mp cpu.mp >resumed.mp
tttd-cat resumed.mp >resumed.jsonl
cmp <(tttd-cat done.mp) <(head -n 3 resumed.jsonl) || bad "--done records were not reused"

# 4. A shard that fails once is retried: a tttd-bench that dies on its
# first call (whichever shard that is) and works after.
cat >flaky <<EOF
#!/bin/sh
if mkdir "$work/flaky.once" 2>/dev/null; then echo "flaky: simulated GPU fault" >&2; exit 1; fi
exec tttd-bench "\$@"
EOF
cat >broken <<'EOF'
#!/bin/sh
echo "broken: device lost" >&2; exit 1
EOF
# A bench that exits 0 but loses all but the first record of its shard.
cat >lossy <<'EOF'
#!/bin/bash
tttd-bench "$@" || exit
while [ $# -gt 0 ]; do if [ "$1" = -o ]; then o=$2; fi; shift; done
tttd-cat "$o" >"$o.all" && head -n 1 "$o.all" | tttd-cat -j >"$o"
EOF
chmod +x flaky broken lossy
"$fan" --workers 3 --bench ./flaky --task "$syn" --seed 3 syn.mp >retried.mp 2>retried.err ||
	{ bad "a shard failing once failed the stage"; cat retried.err >&2; }
cmp <(norm one.mp) <(norm retried.mp) || bad "retried shard: records differ"
grep -q "run 2" retried.err || bad "no retry reported: $(cat retried.err)"
for b in broken lossy; do
	rc=0
	"$fan" --workers 3 --bench "./$b" --task "$syn" --seed 3 -o "$b.mp" syn.mp 2>"$b.err" >/dev/null || rc=$?
	[ "$rc" = 1 ] || bad "$b: exit $rc, want 1"
	[ ! -e "$b.mp" ] || bad "$b: output written"
	grep -q "shards failed; no records written" "$b.err" || bad "$b: no failure message: $(cat "$b.err")"
done
grep -q "records missing, extra or out of order" lossy.err || bad "lossy: not detected"
grep -q "failed 2 times" broken.err || bad "broken: not run twice"

# 5. Usage errors exit 2.
rc=0; "$fan" --device 1 syn.mp 2>/dev/null || rc=$?
[ "$rc" = 2 ] || bad "--device: exit $rc"
rc=0; "$fan" --gpus 2 --workers 2 syn.mp 2>/dev/null || rc=$?
[ "$rc" = 2 ] || bad "--gpus with --workers: exit $rc"
exit $fail
