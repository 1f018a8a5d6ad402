#!/usr/bin/env bash
# docs/internals.md, the map of the tree, names every file of lib/: written
# out (`bench.c`) or as a module pair (`hash.h/.c` names hash.h and hash.c).
# A file added to lib/ without a line there fails here, naming it.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
doc=docs/internals.md
missing=0 n=0
for f in lib/*.[ch]; do
	b=$(basename "$f")
	n=$((n + 1))
	grep -qF "\`$b\`" "$doc" && continue
	grep -qF "\`${b%.*}.h/.c\`" "$doc" && continue
	echo "FAIL: $doc does not name $f"
	missing=$((missing + 1))
done
[ "$missing" = 0 ] || exit 1
echo "ok: $doc names all $n files of lib/"
