#!/usr/bin/env bash
# containers/Containerfile, built for real: a Debian 12 base made here with
# mmdebstrap (or debootstrap) from the Debian mirror, imported into the
# container engine (no registry), the image built on it with
# --build-arg BASE=..., then a one-step discovery run in the image through
# its entry point with a host folder mounted on /work/runs, and the run's
# report checked on the host.
#
# Where this machine cannot (no podman, no docker daemon, no mmdebstrap or
# debootstrap, no mirror, an engine that cannot build), it prints SKIP and the
# precise reason and exits 0.  TTTD_SKIP_CONTAINER=1 skips it on purpose.
# Most of its time is the mirror and the image build, not the CPU, so
# tests/run-all.sh runs it beside the other pipeline tests:
# tttd-test: background
# The base tarball is cached in ${XDG_CACHE_HOME:-~/.cache}/tttd for a week,
# so a second run costs the image build only (about two minutes on 2 cores).
set -uo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
skip() { echo "SKIP: $*"; exit 0; }
[ "${TTTD_SKIP_CONTAINER:-0}" = 1 ] && skip "TTTD_SKIP_CONTAINER=1"

engine=''
if command -v podman >/dev/null && podman info >/dev/null 2>&1; then
	engine=podman
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
	engine=docker
fi
[ -n "$engine" ] || skip "no container engine here: $(command -v podman >/dev/null && echo "podman info fails" ||
	echo "podman not installed"); $(command -v docker >/dev/null && echo "docker has no daemon" || echo "no docker")"
maker=''
if command -v mmdebstrap >/dev/null; then maker=mmdebstrap; elif command -v debootstrap >/dev/null; then maker=debootstrap; fi
[ -n "$maker" ] || skip "neither mmdebstrap nor debootstrap is installed (apt-get install mmdebstrap)"

tmp=$(mktemp -d)
image=localhost/tttd-ci:$$ base=localhost/tttd-ci-base:bookworm
cleanup() {
	$engine rmi -f "$image" >/dev/null 2>&1
	rm -rf "$tmp" 2>/dev/null || $engine unshare rm -rf "$tmp" 2>/dev/null
}
trap cleanup EXIT

# 1. The base: Debian 12, minbase plus the build's packages (one apt session
# instead of two), cached for a week.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tttd
pkgs="build-essential,pkg-config,libmsgpack-dev,libzstd-dev,libjansson-dev,libsqlite3-dev,libcurl4-openssl-dev,jq,parallel,zstd,ca-certificates"
tar=$cache/debian12-$(echo "$pkgs" | cksum | cut -d' ' -f1).tar
mkdir -p "$cache"
if [ -z "$(find "$tar" -mtime -7 2>/dev/null)" ]; then
	t0=$(date +%s)
	part=${tar%.tar}.part$$.tar # (mmdebstrap picks its output format by the suffix)
	if [ "$maker" = mmdebstrap ]; then
		mmdebstrap --variant=minbase --include="$pkgs" bookworm "$part" >"$tmp/base.log" 2>&1
	else
		debootstrap --variant=minbase --include="$pkgs" bookworm "$tmp/rootfs" >"$tmp/base.log" 2>&1 &&
			tar -C "$tmp/rootfs" -cf "$part" .
	fi || { tail -n 5 "$tmp/base.log"; rm -rf "$part"; skip "$maker could not make a Debian 12 base (no mirror?)"; }
	mv "$part" "$tar"
	echo "base: $maker, $(($(date +%s) - t0)) s"
fi
$engine import "$tar" "$base" >"$tmp/import.log" 2>&1 || { cat "$tmp/import.log"; echo "FAIL: $engine import of the base"; exit 1; }

# 2. The image, from the repository root as the README says; podman builds
# with chroot isolation where its runtime cannot run containers (a hybrid
# cgroup host), which needs no cgroups.
t0=$(date +%s)
commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
build=("$engine" build -f containers/Containerfile --build-arg "BASE=$base" --build-arg "COMMIT=$commit" -t "$image")
if ! "${build[@]}" . >"$tmp/build.log" 2>&1; then
	if [ "$engine" = podman ] && grep -q 'cgroup\|OCI\|runtime' "$tmp/build.log" &&
		"${build[@]}" --isolation=chroot . >"$tmp/build.log" 2>&1; then
		echo "image: built with --isolation=chroot (this host's OCI runtime cannot start containers)"
	else
		tail -n 30 "$tmp/build.log"
		echo "FAIL: the image does not build"
		exit 1
	fi
fi
echo "image: $(($(date +%s) - t0)) s"

# 3. A one-step discovery through the entry point, the run folder on the host.
mkdir -p "$tmp/runs"
args=(--task matmul --run /work/runs/one --steps 1 --groups 1 --children 2 --shape 64x64x64 --bench-time 0.2)
how="podman run"
run_in() { "$engine" run --rm "$@" -v "$tmp/runs:/work/runs" "$image" "${args[@]}"; }
if ! run_in >"$tmp/run.log" 2>&1; then
	# Hosts whose cgroups are hybrid (crun refuses them) or that deny raising
	# rlimits: runc with limits it may set.
	if [ "$engine" = podman ] && command -v runc >/dev/null &&
		run_in --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 >"$tmp/run.log" 2>&1; then
		how="podman run --runtime runc"
	else
		tail -n 20 "$tmp/run.log"
		echo "FAIL: the image does not run"
		exit 1
	fi
fi
cat "$tmp/run.log"
fail=0
[ -f "$tmp/runs/one/steps/000000.mp" ] || { echo "FAIL: no step file on the host"; fail=1; }
grep -q '^| CPU |' "$tmp/runs/one/best/report.md" 2>/dev/null || { echo "FAIL: no report.md with the machine"; fail=1; }
grep -q "^| tttd | 0.1.0, commit $commit |" "$tmp/runs/one/best/report.md" 2>/dev/null ||
	{ echo "FAIL: report.md does not name commit $commit"; fail=1; }
grep -q '^tttd-discover: step 1/1: 2 evaluated' "$tmp/run.log" || { echo "FAIL: no step line"; fail=1; }
[ "$fail" = 0 ] && echo "ok: built on $base and ran a discovery step ($how)"
exit $fail
