#!/usr/bin/env bash
# Install the Debian packages tttd needs to build and test, if any is missing.
# Runs apt-get only when something is missing (and only as root or via sudo).
set -eu
need=()
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
have_pc msgpack || have_pc msgpack-c || [ -f /usr/include/msgpack.h ] || need+=(libmsgpack-dev)
have_pc libzstd || [ -f /usr/include/zstd.h ] || need+=(libzstd-dev)
have_pc jansson || [ -f /usr/include/jansson.h ] || need+=(libjansson-dev)
have_pc libcurl || [ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
command -v jq >/dev/null || need+=(jq)
command -v parallel >/dev/null || need+=(parallel)
command -v zstd >/dev/null || need+=(zstd)
have_pc sqlite3 || [ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
# For the tests: shellcheck lints the scripts, python3 reads the browser's
# screenshot of a run's page.  Optional (the test says it skipped where apt
# cannot install them): chromium renders the page; podman, runc and
# mmdebstrap build the container image on a local Debian base.
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v python3 >/dev/null || need+=(python3)
want=()
can_apt() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'; }
for p in chromium podman runc mmdebstrap; do
	command -v "$p" >/dev/null || ! can_apt "$p" || want+=("$p")
done
[ ${#need[@]} -eq 0 ] && [ ${#want[@]} -eq 0 ] && exit 0
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then
	echo "tttd: installing Debian packages: ${need[*]}" >&2
	$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ${#want[@]} -gt 0 ]; then
	echo "tttd: installing Debian packages for the tests: ${want[*]}" >&2
	$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null ||
		echo "tttd: could not install ${want[*]}; the tests that need it will say they skipped" >&2
fi
