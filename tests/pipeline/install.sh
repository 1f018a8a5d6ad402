#!/usr/bin/env bash
# make install puts the tools, man pages, pipelines and tasks under DESTDIR,
# and the installed tools run; make uninstall removes them.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s install DESTDIR="$tmp" >/dev/null
for f in tools/tttd-*.c; do
	t=${f#tools/tttd-}
	t=${t%.c}
	test -x "$tmp/usr/local/bin/tttd-$t"
	test -f "$tmp/usr/local/share/man/man1/tttd-$t.1"
	[ "$("$tmp/usr/local/bin/tttd-$t" --version)" = "tttd-$t 0.1.0" ]
done
test -L "$tmp/usr/local/bin/tttd-discover"
test -f "$tmp/usr/local/share/tttd/kernels/matmul/task"
make -s uninstall DESTDIR="$tmp" >/dev/null
[ -z "$(find "$tmp" -type f)" ] || { echo "uninstall left files:"; find "$tmp" -type f; exit 1; }
echo ok
