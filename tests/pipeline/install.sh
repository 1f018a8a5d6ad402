#!/usr/bin/env bash
# make install puts the tools, man pages, pipelines and tasks under DESTDIR,
# and the installed tools run; make uninstall removes them.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s install PREFIX=/opt/tttd DESTDIR="$tmp" >/dev/null
for t in cat select generate compile bench score train; do
	test -x "$tmp/opt/tttd/bin/tttd-$t"
	test -f "$tmp/opt/tttd/share/man/man1/tttd-$t.1"
	[ "$("$tmp/opt/tttd/bin/tttd-$t" --version)" = "tttd-$t 0.1.0" ]
done
test -L "$tmp/opt/tttd/bin/tttd-discover"
test -f "$tmp/opt/tttd/share/tttd/kernels/matmul/task"
make -s uninstall PREFIX=/opt/tttd DESTDIR="$tmp" >/dev/null
[ -z "$(find "$tmp" -type f)" ] || { echo "uninstall left files:"; find "$tmp" -type f; exit 1; }
echo ok
