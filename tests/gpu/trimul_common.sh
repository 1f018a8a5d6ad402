# shellcheck shell=bash
# tests/gpu/trimul_common.sh - shell functions shared by tests/gpu/trimul_check.sh
# and bench/trimul-bench.sh (sourced, not run): build candidate records of
# kernels/trimul with given decisions, a task copy whose candidate is the
# fp32 reference, and the per-shape table.  Needs jq and the tttd tools on PATH.

# trimul_cand ID "K=V K=V ...": one candidate record (JSON) of kernels/trimul
# rendered as docs/task-format.md says (#define per decision, then the template).
trimul_cand() {
	local id=$1 kv=$2 src="" dec="{}" k v
	for p in $kv; do
		k=${p%%=*} v=${p#*=}
		src+="#define $k $v"$'\n'
		case $v in [A-Za-z_]*) src+="#define ${k}_$v 1"$'\n' ;; esac
		dec=$(jq -c --arg k "$k" --arg v "$v" '. + {($k): $v}' <<<"$dec")
	done
	src="/* tttd: task trimul, decisions: $kv */"$'\n'"$src$(cat "$TTTD_TOP/kernels/trimul/kernel.cu")"$'\n'
	jq -nc --arg id "$id" --arg src "$src" --argjson dec "$dec" \
		'{v: 1, kind: "candidate", id: $id, task: "trimul", target: "cuda", step: 0,
		  decisions: $dec, source: $src}'
}

# trimul_reftask DIR: a copy of kernels/trimul in DIR whose candidate plan is the
# reference's (so tttd-bench times the fp32 reference per shape).
trimul_reftask() {
	mkdir -p "$1"
	cp "$TTTD_TOP"/kernels/trimul/ref.cu "$1/"
	# The task's cpu_reference (named by a line kept below) travels with it.
	cp "$TTTD_TOP"/kernels/trimul/ref_cpu.c "$1/"
	cp "$1/ref.cu" "$1/kernel.cu"
	grep -v -e '^decision' -e '^constraint' -e '^launch' -e '^gemm' "$TTTD_TOP/kernels/trimul/task" |
		sed -e 's/^ref_launch /launch /' -e 's/^ref_gemm /gemm /' >"$1/task"
}

# trimul_default_kv ["K=V ..."]: every decision of kernels/trimul/task at its
# first option (the template's default), overridden by the K=V words given.
trimul_default_kv() {
	awk -v over="${1:-}" '
		BEGIN { n = split(over, w, " "); for (i = 1; i <= n; i++) { split(w[i], kv, "="); o[kv[1]] = kv[2] } }
		$1 == "decision" { v = ($2 in o) ? o[$2] : $3; s = s (s == "" ? "" : " ") $2 "=" v }
		END { print s }' "${TTTD_TOP:-.}/kernels/trimul/task"
}

# trimul_table JSONL...: per bench shape, the median time (us) of each ok record
# (in file order), the rough floor (compulsory x + y bytes at 3.0 TB/s, FLOPs at
# 750 TFLOP/s dense fp16: ttt-discover.md 5.5), then geometric means.
trimul_table() {
	jq -s -r '
	  def floor_us: (.[0] as $B | .[1] as $N | .[2] as $C | .[3] as $H |
	    [8 * $B * $N * $N * $C / 3.0e6, (12 * $B * $N * $N * $C * $H + 2 * $B * $N * $N * $N * $H) / 750e6] | max);
	  def gm: (map(log) | add / length | exp);
	  [.[] | select(.status == "ok")] as $runs |
	  ($runs[0].timing | map(.shape)) as $shapes |
	  ($shapes | map(floor_us)) as $fl |
	  (["shape (B N C H)"] + [$runs[] | .id] + ["floor", "x floor"] | @tsv),
	  (range(0; $shapes | length) as $i |
	    [($shapes[$i] | map(tostring) | join(" "))] +
	    [$runs[] | .timing[$i].median_ns / 1000 | . * 10 | round / 10] +
	    [$fl[$i] | . * 10 | round / 10, ($runs[-1].timing[$i].median_ns / 1000 / $fl[$i] * 100 | round / 100)] | @tsv),
	  (["geomean"] + [$runs[] | [.timing[].median_ns / 1000] | gm | . * 10 | round / 10] +
	    [$fl | gm | . * 10 | round / 10, (([$runs[-1].timing[].median_ns / 1000] | gm) / ($fl | gm) * 100 | round / 100)] | @tsv)
	' "$@" | awk -F'\t' '{ for (i = 1; i <= NF; i++) printf(i == 1 ? "%-18s" : " %11s", $i); print "" }'
}

# The first correct configuration of kernels/trimul (the old paths: the
# baseline the fast paths are measured against).
# shellcheck disable=SC2034 # read by the scripts that source this file
TRIMUL_FIRST="PSW=0 PLR=1 PLQ=0 PBM=64 PRF=2 PNT=2 PNW=8 EBM=64 ENT=4 ENW=8 EV=0"

