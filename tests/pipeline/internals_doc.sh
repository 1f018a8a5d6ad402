#!/usr/bin/env bash
# docs/internals.md, the map of the tree, names every file of lib/ and the
# layers lib/ is made of; this keeps both true.
#   - lib/ holds folders only, and each is a layer of the doc's table
#     ("records/    uses core"), each layer of the table a folder;
#   - every file of lib/<layer>/ is named in the doc: written out
#     (`bench.c`) or as a module pair (`hash.h/.c` names hash.h and hash.c);
#   - file names are unique across lib/ and tools/common/ (every folder is
#     on one include path, so "rec.h" must mean one file);
#   - a file of a layer includes headers of its own layer or of the layers
#     it uses, never one above it, and never a tools/common/ header.
# Then the same check is run on copies of the tree broken on purpose, each
# of which it must refuse.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

# check DIR: the checks above on the tree at DIR; prints each failure.
check() (
	cd "$1"
	doc=docs/internals.md
	bad=0
	fail() {
		echo "FAIL: $*"
		bad=$((bad + 1))
	}
	shopt -s nullglob
	for f in lib/*; do
		[ -d "$f" ] || fail "$f lies in lib/ itself; lib/ holds folders by layer only"
	done
	declare -A uses=() layer=()
	while read -r name deps; do
		uses[$name]=" $deps "
	done < <(sed -n 's,^ *\([a-z_]*\)/  *uses \(.*\)$,\1 \2,p' "$doc" | sed 's/ nothing$//')
	[ "${#uses[@]}" -gt 0 ] || fail "$doc has no layer table (lines '  name/   uses ...')"
	for name in "${!uses[@]}"; do
		[ -d "lib/$name" ] || fail "$doc names layer $name/, which is not a folder of lib/"
		for d in ${uses[$name]}; do
			[ -n "${uses[$d]+x}" ] || fail "layer $name/ uses $d, which is not a layer"
		done
	done
	n=0
	for f in lib/*/*.[ch] tools/common/*.[ch]; do
		b=$(basename "$f")
		l=$(basename "$(dirname "$f")")
		[ -z "${layer[$b]+x}" ] || fail "$b is in both ${layer[$b]}/ and $l/"
		layer[$b]=$l
		[ "${f#tools/}" = "$f" ] || continue
		n=$((n + 1))
		[ -n "${uses[$l]+x}" ] || fail "$f: lib/$l/ is not a layer of $doc"
		grep -qF "\`$b\`" "$doc" || grep -qF "\`${b%.*}.h/.c\`" "$doc" || fail "$doc does not name $f"
	done
	for f in lib/*/*.[ch]; do
		l=$(basename "$(dirname "$f")")
		while read -r h; do
			[ "$h" = commit.h ] && continue # build/gen/commit.h, written by the Makefile
			hl=${layer[$h]:-}
			if [ -z "$hl" ]; then
				fail "$f includes \"$h\", which is no header of lib/"
			elif [ "$hl" = common ]; then
				fail "$f includes \"$h\" of tools/common/ (the tools' library)"
			elif [ "$hl" != "$l" ] && [[ ${uses[$l]:-} != *" $hl "* ]]; then
				fail "$f includes \"$h\" of $hl/, a layer $l/ does not use"
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
	[ "$bad" = 0 ] || return 1
	echo "ok: $doc names all $n files of lib/ in ${#uses[@]} layers, and no layer includes one above it"
)

check "$top"

# Copies broken on purpose: each must fail, naming what is wrong.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
broken() { # broken WHAT EXPECTED-MESSAGE: a copy of the tree, made wrong by $1 (run in it)
	rm -rf "$tmp/t" && mkdir -p "$tmp/t/docs" "$tmp/t/tools"
	cp -R "$top/lib" "$tmp/t/lib" && cp -R "$top/tools/common" "$tmp/t/tools/common"
	cp "$top/docs/internals.md" "$tmp/t/docs/"
	(cd "$tmp/t" && eval "$1")
	if out=$(check "$tmp/t"); then
		echo "FAIL: the check passed a tree where: $1"
		exit 1
	fi
	grep -qF -- "$2" <<<"$out" || {
		echo "FAIL: for '$1' the check said: $out"
		exit 1
	}
}
broken 'echo "#include \"bench.h\"" >>lib/core/util.c' 'util.c includes "bench.h" of bench/, a layer core/ does not use'
broken 'echo "#include \"diag.h\"" >>lib/records/rec.c' 'of tools/common/'
broken 'echo "#include \"nosuch.h\"" >>lib/records/rec.c' 'no header of lib/'
broken 'touch lib/stray.c' 'lib/stray.c lies in lib/ itself'
broken 'touch lib/records/unlisted.c' 'does not name lib/records/unlisted.c'
broken 'touch lib/tasks/rng.h' 'rng.h is in both'
broken 'mkdir lib/extra && touch lib/extra/x.c' 'lib/extra/ is not a layer'
echo "ok: the check refuses a tree with an upward include, a tool header, a stray, an unlisted or a duplicate file"
