#!/usr/bin/env bash
# tests/lm/python.sh - print the path of a python3 that imports torch,
# transformers, peft and tokenizers, making one if there is none: the
# reference model service (containers/model-service) needs them.
#
# A python3 on PATH that has them is used as it is (a GPU node, the device
# machine).  Otherwise, on Debian: torch from Debian's python3-torch (CPU;
# PyPI's torch wheels bring gigabytes of CUDA libraries), and transformers,
# peft and accelerate from PyPI into a venv that sees the system packages,
# pinned to versions that work with Debian's torch 1.13.  The venv is made
# once per machine, under ~/.cache/tttd (so fresh clones, as in CI, reuse
# it); its folder name carries a hash of the pins, so changing them makes a
# new one.
set -eu
want='import torch, transformers, peft, tokenizers'
if command -v python3 >/dev/null && python3 -c "$want" 2>/dev/null; then
	command -v python3
	exit 0
fi
pins="transformers==4.46.3 peft==0.13.2 accelerate==1.0.1"
key=$(echo "$pins" | sha256sum | cut -c1-12)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/tttd/lm-venv-$key
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$want" 2>/dev/null; then
	echo "$venv/bin/python"
	exit 0
fi
exec 9>"${venv%/*}.lock" 2>/dev/null || { mkdir -p "${venv%/*}"; exec 9>"${venv%/*}.lock"; }
flock 9
if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$want" 2>/dev/null; then
	# OpenBLAS: without it Debian's torch multiplies matrices with the reference BLAS, 20x slower
	if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
		echo "tests/lm/python.sh: installing Debian's python3-torch, python3-venv" >&2
		sudo=
		[ "$(id -u)" = 0 ] || sudo=sudo
		export DEBIAN_FRONTEND=noninteractive
		$sudo apt-get update -qq >&2
		$sudo apt-get install -y -qq --no-install-recommends python3-torch python3-venv python3-pip libopenblas0-pthread >/dev/null
	fi
	rm -rf "$venv"
	/usr/bin/python3 -m venv --system-site-packages "$venv" >&2
	# transformers brings tokenizers, safetensors, huggingface-hub; peft and
	# accelerate without their dependencies, which would pull PyPI's torch
	"$venv/bin/pip" install -q --disable-pip-version-check transformers==4.46.3 >&2
	"$venv/bin/pip" install -q --disable-pip-version-check --no-deps peft==0.13.2 accelerate==1.0.1 >&2
	"$venv/bin/python" -c "$want" >&2
fi
echo "$venv/bin/python"
