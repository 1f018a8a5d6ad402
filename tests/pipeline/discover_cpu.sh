#!/usr/bin/env bash
# A short seeded discovery on the CPU matmul task: it completes, writes a
# report, and its best kernel beats the naive reference measured in the same
# run.  The candidates of step 0 depend on the seed alone, so two runs with
# the same seed must propose exactly the same ones.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
disc=pipelines/tttd-discover.sh

$disc -q --task matmul --backend cpu --run "$tmp/a" --steps 2 --groups 3 --children 4 --seed 7 --finalists 5
test -s "$tmp/a/best/report.md"
test -s "$tmp/a/best/kernel.c"
n=$(cat "$tmp"/a/steps/*.mp | tttd-cat | jq -s 'map(select(.kind == "candidate")) | length')
[ "$n" = 24 ] || { echo "expected 24 candidates, got $n"; exit 1; }
sp=$(jq .speedup "$tmp/a/best/record.json")
echo "best speed-up over the naive reference: $sp"
awk -v s="$sp" 'BEGIN { exit !(s > 1.5) }' || { echo "best does not beat the reference: $sp"; exit 1; }
# --finalists 5: the five fastest distinct candidates were re-measured.
[ "$(jq -r .id "$tmp/a/best/confirm.jsonl" | sort -u | wc -l)" = 5 ] ||
	{ echo "expected 5 finalists in confirm.jsonl, got $(wc -l <"$tmp/a/best/confirm.jsonl")"; exit 1; }
# The report's figures were measured again, each candidate next to its own
# reference run (A/B pairs), not copied from the archive.
[ "$(jq -r .ref_ns "$tmp/a/best/confirm.jsonl" | sort -u | wc -l)" = "$(wc -l <"$tmp/a/best/confirm.jsonl")" ] ||
	{ echo "confirm did not re-measure the reference per candidate"; exit 1; }
arch_ids=$(cat "$tmp"/a/steps/*.mp | tttd-cat | jq -r 'select(.status == "ok") | "\(.id) \(.time_ns)"')
while read -r id t; do
	! grep -qx "$id $t" <<<"$arch_ids" || { echo "confirm copied the archive's time for $id"; exit 1; }
done < <(jq -r '"\(.id) \(.time_ns)"' "$tmp/a/best/confirm.jsonl")
# Both policy checkpoints were written and the train summaries are readable.
# (one test per line: under set -e only the last command of an && list can fail the script)
test -s "$tmp/a/policy/000000.ckpt"
test -s "$tmp/a/policy/000001.ckpt"
tttd-cat "$tmp/a/policy/000001.train" | jq -e '.kind == "train" and .trained > 0' >/dev/null

# Same seed: the same step-0 candidates (ids and decisions), byte for byte.
$disc -q --task matmul --backend cpu --run "$tmp/b" --steps 1 --groups 3 --children 4 --seed 7
ids() { tttd-cat "$1" | jq -c '{id, parent, group, decisions, logp}'; }
diff <(ids "$tmp/a/steps/000000.mp") <(ids "$tmp/b/steps/000000.mp")
# Another seed proposes other candidates.
$disc -q --task matmul --backend cpu --run "$tmp/c" --steps 1 --groups 3 --children 4 --seed 8
diff -q <(ids "$tmp/a/steps/000000.mp") <(ids "$tmp/c/steps/000000.mp") >/dev/null &&
	{ echo "another seed gave the same step-0 candidates"; exit 1; }
# A resumed run with other settings is refused.
if $disc -q --task matmul --run "$tmp/a" --groups 5 2>"$tmp/err"; then echo "conflicting resume accepted"; exit 1; fi
grep -q "was started with other settings" "$tmp/err"
echo ok
