#!/usr/bin/env bash
# The test runner itself: tests/run-all.sh must judge a unit suite by its own
# exit status, not only by its summary line.  A fake suite that prints a
# clean "unit: N passed, 0 failed" and then exits 3 (as a binary does when
# LeakSanitizer finds leaks at exit) must count as failed and make the
# runner exit non-zero; a clean one beside it must still pass.  The runner
# is copied into a scratch tree so the fakes never meet the real build/.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests" "$tmp/build/tests"
cp "$top/tests/run-all.sh" "$tmp/tests/"
fake() { # $1 = name, $2 = exit status, $3 = stderr text
	printf '#!/bin/sh\necho "check one: ok"\necho "unit: 2 passed, 0 failed"\necho "%s" >&2\nexit %s\n' "$3" "$2" >"$tmp/build/tests/$1"
	chmod +x "$tmp/build/tests/$1"
}
fail=0

# Control: a clean suite that exits 0 passes and the runner exits 0.
fake test_clean 0 ""
rc=0
bash "$tmp/tests/run-all.sh" unit >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: a clean suite made the runner exit $rc"; cat "$tmp/out" "$tmp/err"; fail=1; }
grep -q '^2 passed, 0 failed$' "$tmp/out" || { echo "FAIL: clean suite not counted: $(tail -n 1 "$tmp/out")"; fail=1; }

# A clean summary, then exit 3: failed, named, and the runner exits non-zero.
fake test_exit3 3 "==1==ERROR: LeakSanitizer: detected memory leaks"
rc=0
bash "$tmp/tests/run-all.sh" unit >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" != 0 ] || { echo "FAIL: a suite exiting 3 after a clean summary passed the runner"; cat "$tmp/out"; fail=1; }
grep -q '^failed: unit/test_exit3' "$tmp/out" || { echo "FAIL: test_exit3 not named among the failures"; cat "$tmp/out"; fail=1; }
grep -q '^4 passed, 1 failed$' "$tmp/out" || { echo "FAIL: want '4 passed, 1 failed', got '$(tail -n 1 "$tmp/out")'"; fail=1; }
grep -q 'LeakSanitizer' "$tmp/err" || { echo "FAIL: the failing suite's stderr was not shown"; fail=1; }

# A suite that dies before its summary is a failure too.
printf '#!/bin/sh\necho "check one: ok"\nkill -SEGV $$\n' >"$tmp/build/tests/test_crash"
chmod +x "$tmp/build/tests/test_crash"
rm "$tmp/build/tests/test_exit3"
rc=0
bash "$tmp/tests/run-all.sh" unit >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" != 0 ] || { echo "FAIL: a suite killed before its summary passed the runner"; fail=1; }

[ "$fail" = 0 ] && echo "ok: the runner fails a suite on its exit status"
exit $fail
