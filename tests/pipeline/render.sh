#!/usr/bin/env bash
# tttd-render gives tttd-generate's records back from their decisions alone:
# the same id, source, cflags and every other key, byte for byte but for the
# tool stamp, for a CPU task with rendered flags (matmul) and a model task
# (synthetic); and the rendered stream compiles like the generated one.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in "$top/kernels/matmul" "$top/tests/data/tasks/synthetic"; do
	tttd-select -q --task "$t" --groups 2 </dev/null >"$tmp/parents"
	tttd-generate -q --task "$t" --children 6 --seed 5 "$tmp/parents" >"$tmp/gen"
	# What a decisions-only generator writes: no id, source or cflags; no
	# step, group or parent_decisions either (they come from --parents).
	tttd-cat "$tmp/gen" | jq -c 'del(.id, .source, .cflags, .step, .group, .parent_decisions, .tool)' |
		tttd-cat -j | tttd-render -q --task "$t" --parents "$tmp/parents" >"$tmp/ren"
	n=$(tttd-cat "$tmp/gen" | wc -l)
	[ "$n" = 12 ] || { echo "FAIL: $n candidates generated, want 12"; exit 1; }
	tttd-cat "$tmp/gen" | jq -c 'del(.tool)' >"$tmp/gen.json"
	tttd-cat "$tmp/ren" | jq -c 'del(.tool)' >"$tmp/ren.json"
	if ! cmp -s "$tmp/gen.json" "$tmp/ren.json"; then
		echo "FAIL: tttd-render differs from tttd-generate for $(basename "$t"):"
		diff <(jq -S . "$tmp/gen.json") <(jq -S . "$tmp/ren.json") | head -20
		exit 1
	fi
	[ "$(tttd-cat "$tmp/ren" | jq -r .tool | sort -u)" = "tttd-render 0.1.0" ]
	# Rendered twice: the second pass changes nothing (a record with a source passes).
	tttd-render -q "$tmp/ren" | cmp - "$tmp/ren"
done
# The rendered matmul candidates compile to the same objects (same cache keys).
t=$top/kernels/matmul
tttd-select -q --task "$t" --groups 1 </dev/null >"$tmp/parents"
tttd-generate -q --task "$t" --children 2 --seed 9 "$tmp/parents" >"$tmp/gen"
tttd-cat "$tmp/gen" | jq -c '{kind, parent, decisions}' | tttd-cat -j |
	tttd-render -q --task "$t" --parents "$tmp/parents" >"$tmp/ren"
for s in gen ren; do
	tttd-compile -q -j 1 --cache "$tmp/cache" <"$tmp/$s" | tttd-cat | jq -r '[.id, .status, .cache_key] | @tsv' >"$tmp/$s.keys"
done
cmp "$tmp/gen.keys" "$tmp/ren.keys"
[ "$(cut -f2 "$tmp/ren.keys" | sort -u)" = compiled ]
echo "ok: tttd-render reproduces tttd-generate's records from their decisions"
