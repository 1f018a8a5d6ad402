#!/bin/sh
# Source this on the device machine: it has the CUDA toolkit but not the
# Debian packages tttd builds against and runs with, and it cannot fetch
# anything.  The .deb files travel in .debs/ and are unpacked into
# /tmp/tttd-deps, which the build then searches.  Two ways to use it:
#  - build there: the -dev packages and their libraries, fetched here with
#      apt-get download libmsgpack-dev libmsgpackc2 libjansson-dev libjansson4 \
#        libzstd-dev libcurl4-openssl-dev libcurl4 libsqlite3-dev libsqlite3-0
#  - or build here with `make CUDA=1 all unit`, carry bin/ and build/, and run
#    with GPU_SKIP_BUILD=1: then .debs/ needs only the libraries (libmsgpackc2
#    libjansson4 libcurl4 libsqlite3-0 and what they need).
# A library the machine already has (same soname, per ldconfig) is removed
# from the unpacked tree, so the machine's own copy wins and only what is
# missing comes from the .debs.
d=/tmp/tttd-deps
if [ -d .debs ]; then
	rm -rf "$d"
	for f in .debs/*.deb; do dpkg -x "$f" "$d"; done
	lib=$d/usr/lib/x86_64-linux-gnu
	[ -d "$d/lib/x86_64-linux-gnu" ] && cp -a "$d/lib/x86_64-linux-gnu/." "$lib/" 2>/dev/null
	have=$(ldconfig -p 2>/dev/null | awk '{print $1}')
	for so in "$lib"/lib*.so.*; do
		[ -e "$so" ] || continue
		printf '%s\n' "$have" | grep -qx "$(basename "$so")" || continue
		[ -L "$so" ] && rm -f "$lib/$(readlink "$so")"
		rm -f "$so"
	done
	# A -dev package's link (libcurl.so -> libcurl.so.4.8.0) whose library
	# was dropped above now points at the machine's copy (libcurl.so.4), so
	# -lcurl still links.
	for so in "$lib"/lib*.so; do
		[ -L "$so" ] && [ ! -e "$so" ] || continue
		sys=$(ldconfig -p 2>/dev/null | awk -v p="$(basename "$so")." 'index($1, p) == 1 && /x86-64/ {print $NF; exit}')
		[ -n "$sys" ] && ln -sf "$sys" "$so"
	done
	export CPATH="$d/usr/include${CPATH:+:$CPATH}"
	export LIBRARY_PATH="$lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
	export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export PKG_CONFIG_PATH="$lib/pkgconfig"
	# The .pc files name /usr as their prefix; point them at the unpacked tree.
	export PKG_CONFIG_SYSROOT_DIR=$d
fi
