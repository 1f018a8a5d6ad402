#!/usr/bin/env bash
# make install puts the tools, man pages, pipelines and tasks under DESTDIR
# without rebuilding anything (nothing about the install location is compiled
# in); every installed command is tttd-* with a man page; the installed
# pipeline runs from a scratch directory with no tttd on PATH, finding its
# tools beside itself and the user's task and run folders relative to the
# caller's directory; make uninstall removes everything.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s all >/dev/null
# Another prefix than the build's default: still nothing may be rebuilt.
make install DESTDIR="$tmp" PREFIX=/opt/tttd >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
if grep -E '^  (CC|AR|LINK) ' "$tmp/install.log"; then
	echo "make install rebuilt something"
	exit 1
fi
bin=$tmp/opt/tttd/bin
for f in tools/tttd-*.c; do
	t=${f#tools/tttd-}
	t=${t%.c}
	[ "$("$bin/tttd-$t" --version)" = "tttd-$t 0.1.0" ]
done
for p in "$bin"/*; do
	n=$(basename "$p")
	case $n in tttd-*) ;; *) echo "installed command without the tttd- prefix: $n"; exit 1 ;; esac
	test -x "$p" && test ! -L "$p"
	test -f "$tmp/opt/tttd/share/man/man1/$n.1" || { echo "no man page for $n"; exit 1; }
	"$p" --help >/dev/null || { echo "$n --help failed"; exit 1; }
done
for want in tttd-discover tttd-fanout tttd-trimul-discover; do test -x "$bin/$want"; done
test -f "$tmp/opt/tttd/share/tttd/kernels/matmul/task"

# The installed pipeline from a scratch directory, nothing of tttd on PATH:
# a task given as ./mine and the run folder r are the caller's.
work=$tmp/work
mkdir -p "$work"
cp -R kernels/matmul "$work/mine"
(cd "$work" && env PATH=/usr/bin:/bin "$bin/tttd-discover" -q --task ./mine --run r --steps 1 --groups 1 \
	--children 2 --no-best) || { echo "installed tttd-discover failed"; exit 1; }
test -f "$work/r/steps/000000.mp"
# A task by name resolves beside the installed tools.
(cd "$work" && env PATH=/usr/bin:/bin "$bin/tttd-select" --task matmul --groups 1 </dev/null >/dev/null)

make -s uninstall DESTDIR="$tmp" PREFIX=/opt/tttd >/dev/null
[ -z "$(find "$tmp/opt" -type f)" ] || { echo "uninstall left files:"; find "$tmp/opt" -type f; exit 1; }
echo ok
