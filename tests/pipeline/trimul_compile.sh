#!/usr/bin/env bash
# TriMul compiles (no GPU needed): the task's default configuration (the
# first option of every decision: the persistent wgmma projection, PSW=3)
# and the first correct configuration (PSW=0 ... EV=0) go through tttd-compile with NVRTC for
# sm_90a (each compile is about 8 s on one core: every kernel of the template
# is built, so sampled configurations are left to the device suite and to
# kernels/trimul/README.md's NVRTC sample).  Both must compile; the
# default must not spill and must stay within 255 registers.  Its CPU
# reference is checked by tests/unit/test_trimul.c; correctness and speed on
# the GPU by tests/gpu/trimul_check.sh.  Skipped (and says so) when tttd was
# built without the CUDA toolkit, as the Makefile's CUDA=auto decides.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
if [ ! -f "${CUDA_HOME:-/usr/local/cuda}/include/nvrtc.h" ]; then
	echo "skipped: no CUDA toolkit (NVRTC) on this machine"
	exit 0
fi
export TTTD_TOP=$top PATH="$top/bin:$PATH"
# shellcheck source=tests/gpu/trimul_common.sh
. tests/gpu/trimul_common.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
	trimul_cand default "$(trimul_default_kv)"
	trimul_cand first "$(trimul_default_kv "$TRIMUL_FIRST")"
} | tttd-cat -j | tttd-compile -q -j 2 --arch sm_90a | tttd-cat |
	jq -c '{id, status, reason, r: .resources}' >"$tmp/out.jsonl"
n=$(wc -l <"$tmp/out.jsonl")
bad=$(jq -r 'select(.status != "compiled") | "\(.id): \(.status) \(.reason // "")"' "$tmp/out.jsonl")
[ "$n" = 2 ] || { cat "$tmp/out.jsonl"; echo "expected 2 candidates, got $n"; exit 1; }
[ -z "$bad" ] || { echo "$bad"; exit 1; }
jq -se 'map(select(.id == "default"))[0] | .r.spill_stores == 0 and .r.registers <= 255' "$tmp/out.jsonl" >/dev/null ||
	{ grep default "$tmp/out.jsonl"; echo "the default configuration spills or uses too many registers"; exit 1; }
echo "trimul: $n configurations compiled for sm_90a; default: $(jq -r 'select(.id == "default") | "\(.r.registers) registers, \(.r.shared_bytes) bytes static shared, no spills"' "$tmp/out.jsonl")"
echo ok
