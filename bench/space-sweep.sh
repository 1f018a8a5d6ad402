#!/bin/bash
# bench/space-sweep.sh - measure a task's whole decision space once, and
# turn the measurement into a model task that replays it.
#
#   bench/space-sweep.sh measure --task gemm --out DIR [--arch sm_90a] [--chunk 1000]
#                                [--bench-time 0.3] [--time S]
#   bench/space-sweep.sh replay  --task gemm --out DIR --dest FOLDER [--name NAME]
#
# measure: tttd-space --list writes every feasible choice as a candidate;
# the list is cut into chunks, and each chunk goes through tttd-compile |
# tttd-bench into DIR/bench.NNN.mp.zst (written via a temporary name, so a
# chunk is there whole or not at all).  A chunk already there is skipped,
# so a sweep cut short by --time S (or a killed device call) resumes where
# it stopped when run again on the same DIR.
#
# replay: writes FOLDER/task, a model task (target model) with the measured
# task's decisions and constraints whose "time" is FOLDER/times.tsv, one
# row per choice with its measured time in ns (0: failed), and whose
# reference time is the median reference time measured in the sweep.  Search
# strategies can then be compared on the CPU, exactly and deterministically,
# on the landscape a GPU really had (bench/ablation.sh --task FOLDER); the
# replay is never a kernel's speed, only a search test bed.
set -euo pipefail
prog=space-sweep
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib/model-task.sh
. "$top/bench/lib/model-task.sh"
export PATH="$top/bin:$PATH"
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	cat <<'USAGE'
usage: space-sweep.sh measure --task T --out DIR [--arch sm_XY] [--chunk N] [--bench-time S] [--time S]
       space-sweep.sh replay --task T --out DIR --dest FOLDER [--name NAME]

measure: every feasible choice of task T through tttd-compile | tttd-bench,
         in chunks of N (default 1000) written whole to DIR/bench.NNN.mp.zst;
         run again on DIR to go on after --time S seconds or a kill.
         --arch for CUDA tasks (default $TTTD_ARCH, else sm_90a); --bench-time:
         timed repetitions per choice for at most S seconds (default 0.3).
replay:  FOLDER/task, a model task replaying DIR's times (FOLDER/times.tsv).
USAGE
}
usage_die() { echo "$prog: $*" >&2; usage | head -2 >&2; exit 2; }

[ $# -ge 1 ] || usage_die "a mode is required: measure or replay"
mode=$1
shift
case $mode in
-h | --help) usage; exit 0 ;;
measure | replay) ;;
*) usage_die "unknown mode '$mode' (measure or replay)" ;;
esac
task='' out='' arch=${TTTD_ARCH:-sm_90a} chunk=1000 bench_time=0.3 limit='' dest='' name=''
while [ $# -gt 0 ]; do
	case $1 in
	--task | --out | --arch | --chunk | --bench-time | --time | --dest | --name)
		[ $# -ge 2 ] || usage_die "option '$1' needs an argument" ;;&
	--task) task=$2; shift ;;
	--out) out=$2; shift ;;
	--arch) arch=$2; shift ;;
	--chunk) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_die "invalid number '$2' for --chunk"; chunk=$2; shift ;;
	--bench-time) bench_time=$2; shift ;;
	--time) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_die "invalid number '$2' for --time"; limit=$2; shift ;;
	--dest) dest=$2; shift ;;
	--name) name=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_die "unknown option '$1'" ;;
	esac
	shift
done
[ -n "$task" ] || usage_die "--task is required"
[ -n "$out" ] || usage_die "--out is required"

if [ "$mode" = measure ]; then
	mkdir -p "$out"
	if [ ! -s "$out/list.jsonl" ]; then
		tttd-space --list "$task" | tttd-cat >"$out/list.jsonl.tmp"
		mv "$out/list.jsonl.tmp" "$out/list.jsonl"
	fi
	total=$(wc -l <"$out/list.jsonl")
	nchunks=$(((total + chunk - 1) / chunk))
	start=$(date +%s)
	for ((i = 0; i < nchunks; i++)); do
		f=$(printf '%s/bench.%03d.mp.zst' "$out" "$i")
		[ -s "$f" ] && continue
		if [ -n "$limit" ] && [ $(($(date +%s) - start)) -ge "$limit" ]; then
			echo "$prog: --time $limit s spent; run again on $out to go on" >&2
			break
		fi
		echo "$prog: chunk $((i + 1))/$nchunks ($total choices)" >&2
		# the chunk's choices, back to a record stream
		sed -n "$((i * chunk + 1)),$(((i + 1) * chunk))p" "$out/list.jsonl" | tttd-cat -j |
			tttd-compile -q --arch "$arch" --cache "$out/cache" |
			tttd-bench -q --task "$task" --max-time "$bench_time" -o "$f"
	done
	done_n=$(ls "$out"/bench.*.mp.zst 2>/dev/null | wc -l)
	echo "$prog: $done_n of $nchunks chunks measured in $out" >&2
	exit 0
fi

# replay
[ -n "$dest" ] || usage_die "--dest is required for replay"
taskdir=$task
[ -d "$taskdir" ] || taskdir=$top/kernels/$task
[ -f "$taskdir/task" ] || die "no task folder '$task'"
ls "$out"/bench.*.mp.zst >/dev/null 2>&1 || die "no measured chunks in '$out' (run measure first)"
[ -n "$name" ] || name=$(basename "$dest" | tr -c 'A-Za-z0-9_\n' _)
mkdir -p "$dest"
decs=$(awk '$1 == "decision" { printf "%s%s", sep, $2; sep = " " }' "$taskdir/task")
[ -n "$decs" ] || die "task '$task' has no decisions"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat "$out"/bench.*.mp.zst | tttd-cat | jq -c 'select(.kind == "candidate")' >"$tmp"
measured=$(wc -l <"$tmp")
ok=$(jq -c 'select(.status == "ok")' "$tmp" | wc -l)
ref_ns=$(jq -s '[.[] | select(.ref_ns) | .ref_ns] | sort | if length == 0 then 0 else .[length / 2 | floor] | round end' "$tmp")
[ "$ref_ns" -gt 0 ] || die "no reference time in the measured records"
device=$(jq -rs '[.[] | .device // empty] | .[0] // "unknown"' "$tmp")
{
	echo "# Measured by bench/space-sweep.sh on $device: every feasible choice of task"
	echo "# '$(basename "$taskdir")', its bench time in ns (geomean over bench shapes; 0 = failed)."
	echo "$decs time_ns" | tr ' ' '\t'
	jq -r --arg decs "$decs" '($decs | split(" ")) as $d |
		[($d[] as $k | .decisions[$k]), (if .status == "ok" then (.time_ns * 10 | round) / 10 else 0 end)] | @tsv' "$tmp"
} >"$dest/times.tsv"
{
	echo "# A replay of task '$(basename "$taskdir")' as measured on $device"
	echo "# (bench/space-sweep.sh; $measured choices, $ok correct): no code runs, a"
	echo "# candidate's time is its measured time in times.tsv.  For comparing search"
	echo "# strategies on a real landscape, deterministically, on the CPU."
	echo "name $name"
	echo "about Replay of $(basename "$taskdir") measured on $device ($measured choices, $ok correct)."
	model_task_lines "$taskdir"
	echo "cost_table times.tsv"
	echo "ref_cost $ref_ns"
} >"$dest/task"
# shellcheck disable=SC2086 # one word per decision
model_task_template "$name" $decs >"$dest/kernel.txt"
echo "$prog: $dest: $measured choices ($ok correct), reference $ref_ns ns" >&2
