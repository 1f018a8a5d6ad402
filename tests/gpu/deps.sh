#!/bin/sh
# Source this on the device machine: it has the CUDA toolkit but not the
# Debian -dev packages tttd builds against, and it cannot fetch anything.
# The .deb files travel in .debs/ (fetched here with
#   apt-get download libmsgpack-dev libmsgpackc2 libjansson-dev libjansson4 libzstd-dev)
# and are unpacked into /tmp/tttd-deps, which the build then searches.
d=/tmp/tttd-deps
if [ -d .debs ]; then
	for f in .debs/*.deb; do dpkg -x "$f" "$d"; done
	lib=$d/usr/lib/x86_64-linux-gnu
	export CPATH="$d/usr/include${CPATH:+:$CPATH}"
	export LIBRARY_PATH="$lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
	export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export PKG_CONFIG_PATH="$lib/pkgconfig"
	# The .pc files name /usr as their prefix; point them at the unpacked tree.
	export PKG_CONFIG_SYSROOT_DIR=$d
fi
