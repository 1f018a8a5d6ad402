#!/bin/bash
# tests/gpu/trimul_check.sh - TriMul on the device: builds with CUDA=1 (unless
# GPU_SKIP_BUILD=1), then runs fixed configurations of kernels/trimul and the
# fp32 reference (as a candidate, for per-shape times) through
# tttd-compile | tttd-bench.  tttd-bench checks every candidate against the
# reference at all 18 test shapes (random 0/1 masks and all-ones masks,
# normal and Cauchy inputs) before it times the 7 ranked shapes; a candidate
# is "ok" only when every element of every check shape is within
# rtol = atol = 2e-2.  Prints one line per candidate and the per-shape table
# (tests/gpu/trimul_common.sh).  Exit 1 unless every candidate is ok.
# TRIMUL_CONFIGS overrides the configurations (one "K=V ..." per line);
# TRIMUL_SEED the seed of the inputs (tttd-bench --seed; default 1);
# TRIMUL_REF=0 skips timing the fp32 reference.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export TTTD_TOP=$top
out=${OUT:-/tmp/tttd-trimul}
mkdir -p "$out"
# shellcheck disable=SC1091
. tests/gpu/deps.sh
# shellcheck source=tests/gpu/trimul_common.sh
. tests/gpu/trimul_common.sh
export PATH="$top/bin:$PATH"
if [ "${GPU_SKIP_BUILD:-0}" != 1 ]; then
	# -k: a half-written file of another part must not stop the tools this needs.
	make -k -j16 CUDA=1 all >"$out/build.log" 2>&1 || tail -5 "$out/build.log"
	for t in tttd-cat tttd-compile tttd-bench; do
		[ -x "bin/$t" ] || { tail -30 "$out/build.log"; exit 1; }
	done
fi
arch=${TTTD_ARCH:-sm_90a}
# Default: the task's default configuration (the first option of every
# decision) and the first configuration found correct (PSW=0 ... EV=0).
base=$(trimul_default_kv)
first=$(trimul_default_kv "$TRIMUL_FIRST")
configs=${TRIMUL_CONFIGS:-"$base
$first"}

# The fp32 reference, timed as a candidate of a task whose plan is the reference's.
trimul_reftask "$out/reftask"
: >"$out/ref.jsonl"
[ "${TRIMUL_REF:-1}" = 0 ] || jq -nc --rawfile src "$out/reftask/kernel.cu" \
	'{v: 1, kind: "candidate", id: "fp32-ref", task: "trimul", target: "cuda", step: 0, decisions: {}, source: $src}' |
	tttd-cat -j | tttd-compile -q --arch "$arch" |
	tttd-bench -q --backend cuda --task "$out/reftask" --timeout 600 --max-time 2 --min-reps 3 --seed "${TRIMUL_SEED:-1}" |
	tttd-cat >"$out/ref.jsonl"

n=0
while IFS= read -r kv; do
	[ -n "$kv" ] || continue
	n=$((n + 1))
	trimul_cand "cfg$n" "$kv"
done <<<"$configs" | tttd-cat -j | tttd-compile -q --arch "$arch" |
	tttd-bench -q --backend cuda --task kernels/trimul --timeout 600 --max-time 4 --min-reps 5 --seed "${TRIMUL_SEED:-1}" |
	tttd-cat >"$out/cands.jsonl"

status=0
jq -r '[.id, .status, ((.time_ns // 0) / 1000 | floor), ((.ref_ns // 0) / 1000 | floor),
	((.floor_ns // 0) / 1000 | floor), (.check.max_abs_err // "-"), (.check.max_rel_err // "-"),
	(.decisions | to_entries | map("\(.key)=\(.value)") | join(" ")), (.reason // "")] | @tsv' \
	"$out/ref.jsonl" "$out/cands.jsonl"
jq -r '.device // empty' "$out/cands.jsonl" | head -1
bad=$(jq -s '[.[] | select(.status != "ok")] | length' "$out/cands.jsonl" "$out/ref.jsonl")
total=$(jq -s 'length' "$out/cands.jsonl" "$out/ref.jsonl")
[ "$total" -ge 1 ] && [ "$bad" = 0 ] || status=1
echo
echo "per bench shape, median us (columns: fp32 reference, each configuration):"
trimul_table "$out/ref.jsonl" "$out/cands.jsonl"
echo "trimul: $([ $status = 0 ] && echo PASS || echo FAIL) ($bad of $total not ok)"
exit $status
