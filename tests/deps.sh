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
[ ${#need[@]} -eq 0 ] && exit 0
echo "tttd: installing Debian packages: ${need[*]}" >&2
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
