#!/usr/bin/env bash
# Every bench/ script has a real --help: it prints a usage on stdout, exits 0
# at once and runs nothing (no output folder appears); an unknown option is a
# usage error (exit 2, a message on stderr), never a run.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for s in bench/*.sh; do
	n=$(basename "$s")
	rc=0
	OUT=$tmp/out timeout 20 bash "$s" --help >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
	[ "$rc" = 0 ] || { echo "FAIL: $n --help exits $rc"; cat "$tmp/stderr"; fail=1; }
	grep -Eq "^ *(usage: )?(bench/)?$n " "$tmp/stdout" || { echo "FAIL: $n --help prints no usage line"; fail=1; }
	[ ! -e "$tmp/out" ] || { echo "FAIL: $n --help ran something (wrote \$OUT)"; fail=1; }
	rc=0
	OUT=$tmp/out timeout 20 bash "$s" --no-such-option >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
	[ "$rc" = 2 ] || { echo "FAIL: $n --no-such-option exits $rc, not 2"; fail=1; }
	grep -q . "$tmp/stderr" || { echo "FAIL: $n --no-such-option says nothing on stderr"; fail=1; }
	[ ! -e "$tmp/out" ] || { echo "FAIL: $n --no-such-option ran something"; fail=1; }
	rm -rf "$tmp/out"
done
[ "$fail" = 0 ] && echo "ok: $(ls bench/*.sh | wc -l) scripts"
exit $fail
