#!/usr/bin/env bash
# The README's pipeline by hand, run as written: the lines between the
# by-hand markers, from the checkout, with nothing of tttd on PATH first.
# They must succeed, print the next parents, and leave the checkout as it was.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
block=$(sed -n '/^<!-- by-hand/,/^<!-- \/by-hand -->/p' README.md | sed '1d;$d' | sed 's/^    //')
[ -n "$block" ] || { echo "no by-hand block in README.md"; exit 1; }
before=$(git status --porcelain 2>/dev/null || true)
scratch=$(mktemp -d)
out=$scratch/out
trap 'rm -rf "$scratch"' EXIT
# A fresh shell, with the PATH of a user who has not put bin/ on it.
env -i HOME="$HOME" PATH=/usr/local/bin:/usr/bin:/bin TMPDIR="$scratch" \
	bash -euo pipefail -c "$block" >"$out" || { echo "the README's by-hand lines failed"; exit 1; }
# The last command prints the next step's parents as JSON lines.
n=$(jq -s 'map(select(.kind == "parent")) | length' "$out")
[ "$n" -ge 1 ] || { echo "no parents printed:"; cat "$out"; exit 1; }
after=$(git status --porcelain 2>/dev/null || true)
[ "$before" = "$after" ] || { echo "the by-hand lines left files in the checkout:"; diff <(echo "$before") <(echo "$after"); exit 1; }
echo "ok: $n parents"
