#!/usr/bin/env bash
# Run the CPU test suites and print one closing line "N passed, N failed".
#   tests/run-all.sh [unit|cli|pipeline|fuzz ...]   (default: all)
# Each unit binary prints "unit: N passed, N failed"; each CLI golden case and
# each pipeline script counts as one test.  TTTD_UPDATE_GOLDEN=1 rewrites the
# expected files of the CLI cases instead of comparing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export PATH="$top/bin:$PATH"
export TTTD_TOP="$top"
# Discoveries add their best to the results index: a scratch one, not the user's.
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
suites=${*:-unit cli pipeline fuzz}
passed=0 failed=0
failures=()
out=$top/tests/out
mkdir -p "$out"

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1" >&2; }

run_unit() {
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		# The binary's own exit status, not tail's: a suite that prints a
		# clean summary and then exits non-zero (LeakSanitizer reports
		# leaks at exit, after the summary) has failed.
		rc=0
		"$t" >"$out/$(basename "$t").out" 2>"$out/$(basename "$t").err" || rc=$?
		line=$(tail -n 1 "$out/$(basename "$t").out")
		p=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$line")
		f=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$line")
		if [ -z "$p" ]; then
			fail "unit/$(basename "$t") (no summary line; crashed?)"
			cat "$out/$(basename "$t").err" >&2
			continue
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			# Counted as one failure, or the closing status would
			# pass on a suite whose every check passed.
			fail "unit/$(basename "$t") (exit $rc after a clean summary)"
			cat "$out/$(basename "$t").err" >&2
		elif [ "$f" != 0 ] || [ "$rc" != 0 ]; then
			failures+=("unit/$(basename "$t")")
			cat "$out/$(basename "$t").err" >&2
		fi
		echo "  unit  $(basename "$t"): $p passed, $f failed$([ "$rc" = 0 ] || echo ", exit $rc")"
	done
}

# A golden case tests/cli/<tool>/<case>.sh runs in a scratch directory with
# bin/ on PATH; its exit status, stdout and stderr must equal <case>.exit,
# <case>.stdout and <case>.stderr (missing files mean 0 and empty).
run_cli() {
	for c in tests/cli/*/*.sh; do
		[ -f "$c" ] || continue
		base=${c%.sh}
		name=${base#tests/cli/}
		scratch=$(mktemp -d)
		(cd "$scratch" && bash "$top/$c" >"$scratch/.stdout" 2>"$scratch/.stderr" </dev/null)
		rc=$?
		if [ "${TTTD_UPDATE_GOLDEN:-0}" = 1 ]; then
			echo "$rc" >"$base.exit"
			cp "$scratch/.stdout" "$base.stdout"
			cp "$scratch/.stderr" "$base.stderr"
		fi
		want_rc=$(cat "$base.exit" 2>/dev/null || echo 0)
		ok=1
		[ "$rc" = "$want_rc" ] || ok=0
		cmp -s "$scratch/.stdout" "${base}.stdout" 2>/dev/null || { [ ! -f "$base.stdout" ] && [ ! -s "$scratch/.stdout" ]; } || ok=0
		cmp -s "$scratch/.stderr" "${base}.stderr" 2>/dev/null || { [ ! -f "$base.stderr" ] && [ ! -s "$scratch/.stderr" ]; } || ok=0
		if [ $ok = 1 ]; then
			pass
		else
			fail "cli/$name (exit $rc, want $want_rc)"
			diff -u "$base.stdout" "$scratch/.stdout" >&2 2>/dev/null | head -20
			diff -u "$base.stderr" "$scratch/.stderr" >&2 2>/dev/null | head -20
		fi
		rm -rf "$scratch"
	done
	echo "  cli   golden cases done"
}

# A pipeline test marked "# tttd-test: background" (one that mostly waits on
# the network or a container build) starts first and runs beside the others;
# its result is counted at the end.  A test that prints "SKIP: reason" is
# counted as passed and the reason shown.
pipe_result() { # $1 = test, $2 = exit status, $3 = seconds it took
	local log
	log=$out/$(basename "$1").log
	if [ "$2" = 0 ]; then
		pass
		echo "  pipe  $(basename "$1"): ok ($3s)$(grep -m1 '^SKIP: ' "$log" | sed 's/^/, /')"
	else
		fail "pipeline/$(basename "$1")"
		tail -n 30 "$log" >&2
	fi
}

run_pipeline() {
	local bg=() bgpid=() i rc
	for t in tests/pipeline/*.sh; do
		grep -q '^# tttd-test: background' "$t" 2>/dev/null || continue
		(
			s=$(date +%s)
			bash "$t" >"$out/$(basename "$t").log" 2>&1
			rc=$?
			echo $(($(date +%s) - s)) >"$out/$(basename "$t").secs"
			exit $rc
		) &
		bg+=("$t") bgpid+=($!)
	done
	for t in tests/pipeline/*.sh; do
		[ -f "$t" ] || continue
		grep -q '^# tttd-test: background' "$t" && continue
		start=$(date +%s)
		rc=0
		bash "$t" >"$out/$(basename "$t").log" 2>&1 || rc=$?
		pipe_result "$t" "$rc" "$(($(date +%s) - start))"
	done
	for i in "${!bg[@]}"; do
		rc=0
		wait "${bgpid[i]}" || rc=$?
		pipe_result "${bg[i]}" "$rc" "$(cat "$out/$(basename "${bg[i]}").secs" 2>/dev/null || echo '?')"
	done
}

run_fuzz() {
	if [ -x build/tests/fuzz_regression ]; then
		if build/tests/fuzz_regression tests/fuzz/corpus >"$out/fuzz.log" 2>&1; then
			pass
			echo "  fuzz  regression corpus: ok"
		else
			fail "fuzz/regression"
			tail -n 20 "$out/fuzz.log" >&2
		fi
	fi
}

for s in $suites; do
	case $s in
	unit) run_unit ;;
	cli) run_cli ;;
	pipeline) run_pipeline ;;
	fuzz) run_fuzz ;;
	*) echo "run-all.sh: unknown suite '$s'" >&2; exit 2 ;;
	esac
done
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
