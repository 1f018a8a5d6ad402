#!/usr/bin/env bash
# The Makefile's SANITIZE switch: "address,undefined" (the documented value)
# is accepted, an unknown value is an error naming it.  It used to reject
# the documented value, because 'comma' was defined after its first use.
# The Makefile is parsed in an empty folder (make -n): nothing is built.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$top/Makefile" "$tmp/"
cd "$tmp"
for v in address undefined address,undefined undefined,address; do
	make -s -n SANITIZE=$v all >"$tmp/out" 2>&1 || { cat "$tmp/out"; echo "SANITIZE=$v refused"; exit 1; }
done
if make -s -n SANITIZE=address,bogus all >"$tmp/out" 2>&1; then
	echo "SANITIZE=address,bogus accepted"; exit 1
fi
grep -q "unknown value 'address,bogus'" "$tmp/out" || { cat "$tmp/out"; exit 1; }
echo ok
