#!/usr/bin/env bash
# tttd-fanout: a drop-in for the tttd-bench stage that benchmarks one batch
# of compiled candidates on every GPU of the node at once.
#
#   ... | tttd-compile -j 16 | tttd-fanout --gpus 8 --task gemm | tttd-score ...
#
# It reads the whole batch, deals it into shards round robin by position
# (record i goes to shard i mod S), runs one tttd-bench per shard with GNU
# parallel - one job per GPU at a time, the GPU picked from the job's slot -
# and writes the shards' records back interleaved in input order: the same
# records, keys and order one tttd-bench would write (timings differ).
#
# Why round robin by position and not by id hash: a step's batch is small
# (tens of candidates) and every candidate costs about the same bench time
# (bounded by --max-time), so dealing by position balances the GPUs to
# within one candidate where a hash would leave one GPU with noticeably more;
# and putting record i back at position i is exact even when a batch holds
# the same id twice (siblings may repeat).  Across nodes, where shards are
# files that outlive a job, docs/scale-out.md merges by id instead.
#
# What it does not do: compile (tttd-compile -j already fans out across CPU
# cores), stream (a shard's records come out only once every shard is done,
# so nothing partial ever reaches the next stage), or share one GPU between
# two jobs (a slot is a GPU).  A failed shard (non-zero exit, or records
# missing, extra or out of order) is run once more, possibly on another GPU;
# if it fails again the stage fails with exit 1 and writes nothing.
#
# On the CPU target the "GPUs" are simulated: --workers N runs N tttd-bench
# processes on device 0 through the same mechanism (CI uses this).
set -euo pipefail

prog=tttd-fanout
usage() {
	cat <<'USAGE'
usage: tttd-fanout [-hqvV] [-o file] [--bench prog] [--devices list] [--gpus n] [--retries n]
                   [--shards n] [--workers n] [--workdir dir] [tttd-bench options] [file ...]

Benchmark a batch of compiled candidates on several GPUs at once: a drop-in
for tttd-bench that splits the batch into shards, runs one tttd-bench per GPU
with GNU parallel and merges the records back into input order.

  --gpus n          use GPUs 0 .. n-1 (default: every GPU nvidia-smi lists;
                    one worker on device 0 with --backend cpu or no GPU)
  --devices list    the devices to use, comma separated (e.g. 0,2,3); a device
                    named twice gets two workers
  --workers n       n workers on device 0 (the CPU target's simulated GPUs)
  --shards n        shards to deal the batch into (default: one per worker)
  --retries n       runs of a failed shard after the first (default 1)
  --bench prog      the tttd-bench to run (default: the one beside tttd-fanout)
  --workdir dir     keep the shards and logs in dir (default: a temporary one)
  -o file           write to file (file.tmp, renamed when done)
  -q                errors only (passed to tttd-bench)
  -v                one line per shard (and -v to tttd-bench)
  -h, --help        this help
  -V, --version     the version

tttd-bench options passed to every shard: --backend b, --done file,
--keep-object, --max-reps n, --max-time s, --min-reps n, --no-flush,
--no-progress, --paired, --progress, --ref-ns ns, --rse x, --seed n,
--shape s, --task name, --timeout s.  Exit status: 0 success, 1 a shard failed twice or bad
input, 2 usage.
USAGE
}

die() { echo "$prog: $*" >&2; exit 1; }
usage_die() { echo "$prog: $*" >&2; usage | head -2 >&2; echo "Try '$prog --help' for more information." >&2; exit 2; }
say() { [ "$quiet" = 1 ] || echo "$prog: $*" >&2; }

# The tools beside this script (installed: the same bin/; a checkout:
# ../bin), called by path rather than looked up in PATH.
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bindir=$here
[ -x "$bindir/tttd-bench" ] || bindir=$(cd "$here/../bin" 2>/dev/null && pwd) || bindir=$here
tttd_cat=$bindir/tttd-cat

devices='' gpus='' workers='' shards='' retries=1 bench=$bindir/tttd-bench workdir='' output='' quiet=0 verbose=0
backend=${TTTD_BACKEND:-auto}
bopt=() files=()
need_arg() { [ $# -ge 2 ] || usage_die "option '$1' needs an argument"; }
isnum() { [[ $2 =~ ^[0-9]+$ ]] || usage_die "invalid number '$2' for $1"; }
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-V | --version) echo "$prog 0.1.0"; exit 0 ;;
	-q | --quiet) quiet=1; bopt+=(-q) ;;
	-v | --verbose) verbose=1; bopt+=(-v) ;;
	-o | --output) need_arg "$@"; output=$2; shift ;;
	--gpus) need_arg "$@"; isnum "$1" "$2"; gpus=$2; shift ;;
	--devices) need_arg "$@"; [[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || usage_die "invalid device list '$2'"
		devices=$2; shift ;;
	--workers) need_arg "$@"; isnum "$1" "$2"; workers=$2; shift ;;
	--shards) need_arg "$@"; isnum "$1" "$2"; shards=$2; shift ;;
	--retries) need_arg "$@"; isnum "$1" "$2"; retries=$2; shift ;;
	--bench) need_arg "$@"; bench=$2; shift ;;
	--workdir) need_arg "$@"; workdir=$2; shift ;;
	--device) usage_die "use --devices (or --gpus) with $prog" ;;
	--backend) need_arg "$@"; backend=$2; bopt+=("$1" "$2"); shift ;;
	--done)
		need_arg "$@"; [ -r "$2" ] || die "cannot read '$2'"
		# Every shard reads the same done file: absolute, since jobs may run elsewhere.
		bopt+=("$1" "$(readlink -f "$2")"); shift ;;
	--max-reps | --max-time | --min-reps | --ref-ns | --rse | --seed | --shape | --task | --timeout)
		need_arg "$@"; bopt+=("$1" "$2"); shift ;;
	--keep-object | --no-flush | --no-progress | --paired | --progress) bopt+=("$1") ;;
	--) shift; files+=("$@"); break ;;
	-) files+=(-) ;;
	-*) usage_die "unknown option '$1'" ;;
	*) files+=("$1") ;;
	esac
	shift
done
n_given=0
for v in "$devices" "$gpus" "$workers"; do [ -n "$v" ] && n_given=$((n_given + 1)); done
[ "$n_given" -le 1 ] || usage_die "give only one of --devices, --gpus and --workers"
[ "${gpus:-1}" -ge 1 ] || usage_die "--gpus must be at least 1"
[ "${workers:-1}" -ge 1 ] || usage_die "--workers must be at least 1"
[ "${shards:-1}" -ge 1 ] || usage_die "--shards must be at least 1"
# A task given by folder must resolve from the jobs' directory too.
for ((i = 0; i < ${#bopt[@]}; i++)); do
	if [ "${bopt[i]}" = --task ] && [ -d "${bopt[i + 1]}" ]; then bopt[i + 1]=$(readlink -f "${bopt[i + 1]}"); fi
done

[ -x "$tttd_cat" ] || die "cannot find 'tttd-cat' in '$bindir' (run 'make' first)"
command -v "$bench" >/dev/null || die "cannot find '$bench' (run 'make' first)"
command -v jq >/dev/null || die "cannot find 'jq' (apt-get install jq)"

# The device of each worker, one per slot.
devs=()
if [ -n "$devices" ]; then
	IFS=, read -r -a devs <<<"$devices"
elif [ -n "$workers" ]; then
	for ((i = 0; i < workers; i++)); do devs+=(0); done
else
	if [ -z "$gpus" ] && [ "$backend" != cpu ] && command -v nvidia-smi >/dev/null; then
		gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
	fi
	for ((i = 0; i < ${gpus:-1}; i++)); do devs+=("$i"); done
	[ ${#devs[@]} -gt 0 ] || devs=(0)
fi
nw=${#devs[@]}

if [ -n "$workdir" ]; then
	mkdir -p "$workdir" || die "cannot create '$workdir'"
	work=$(readlink -f "$workdir")
	rm -f "$work"/shard.* "$work"/in.jsonl
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/tttd-fanout.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi

# The batch as JSON lines, one record a line; tttd-cat reports a bad stream.
"$tttd_cat" -q "${files[@]}" >"$work/in.jsonl" || die "cannot read the input stream"
n=$(wc -l <"$work/in.jsonl")
ns=${shards:-$nw}
[ "$ns" -le "$n" ] || ns=$n
if [ "$n" = 0 ]; then
	if [ -n "$output" ]; then : >"$output.tmp" && mv "$output.tmp" "$output"; fi
	exit 0
fi

# Deal the records round robin; remember each shard's (kind, id) sequence,
# which its output must repeat exactly.
awk -v k="$ns" -v d="$work" '{ print > (d "/shard." ((NR - 1) % k) ".in.jsonl") }' "$work/in.jsonl"
for ((s = 0; s < ns; s++)); do
	"$tttd_cat" -q -j -o "$work/shard.$s.in.mp" "$work/shard.$s.in.jsonl" || die "cannot write shard $s"
	jq -r '[.kind // "", .id // ""] | @tsv' "$work/shard.$s.in.jsonl" >"$work/shard.$s.keys"
done

# One job: bench shard $1 on the device of slot $2, check its records, and
# rename its output into place only when it is whole.
{
	declare -p bench bopt devs quiet tttd_cat
	cat <<'WORKER'
s=$1 slot=$2
w=$(dirname "$0")
dev=${devs[$(((slot - 1) % ${#devs[@]}))]}
a=$(($(cat "$w/shard.$s.attempts" 2>/dev/null || echo 0) + 1))
echo "$a" >"$w/shard.$s.attempts"
[ "$a" -gt 1 ] && [ "$quiet" != 1 ] && echo "tttd-fanout: shard $s: run $a, on device $dev" >&2
rm -f "$w/shard.$s.out.mp"
echo "device $dev, run $a" >>"$w/shard.$s.err"
if ! "$bench" "${bopt[@]}" --device "$dev" -o "$w/shard.$s.out.mp" "$w/shard.$s.in.mp" 2>>"$w/shard.$s.err"; then
	tail -n 3 "$w/shard.$s.err" | sed "s/^/tttd-fanout: shard $s on device $dev: /" >&2
	exit 1
fi
"$tttd_cat" -q "$w/shard.$s.out.mp" >"$w/shard.$s.out.jsonl.tmp" 2>>"$w/shard.$s.err" || exit 1
if ! jq -r '[.kind // "", .id // ""] | @tsv' "$w/shard.$s.out.jsonl.tmp" | cmp -s - "$w/shard.$s.keys"; then
	echo "tttd-fanout: shard $s on device $dev: records missing, extra or out of order" >&2
	exit 1
fi
mv "$w/shard.$s.out.jsonl.tmp" "$w/shard.$s.out.jsonl"
WORKER
} >"$work/worker.sh"

[ "$verbose" = 1 ] && say "$n records in $ns shards on $nw workers (devices ${devs[*]})"
runs=$((retries + 1))
if [ "${TTTD_FANOUT_NO_PARALLEL:-0}" != 1 ] && parallel --will-cite --version >/dev/null 2>&1; then
	# {%} is the job slot (1..nw): a slot is busy with one job at a time,
	# so a device never runs two shards at once.  --retries reruns a failed
	# job, in whichever slot frees first.
	seq 0 $((ns - 1)) | parallel --will-cite --jobs "$nw" --retries "$runs" \
		bash "$work/worker.sh" '{}' '{%}' || true
else
	# Without GNU parallel: worker w takes shards w, w+nw, ... in turn.
	for ((w = 1; w <= nw; w++)); do
		(
			for ((s = w - 1; s < ns; s += nw)); do
				for ((r = 0; r < runs; r++)); do
					bash "$work/worker.sh" "$s" "$w" && break
				done
			done
		) &
	done
	wait
fi

failed=()
for ((s = 0; s < ns; s++)); do
	[ -f "$work/shard.$s.out.jsonl" ] || failed+=("$s")
done
if [ ${#failed[@]} -gt 0 ]; then
	for s in "${failed[@]}"; do
		echo "$prog: shard $s ($(wc -l <"$work/shard.$s.keys") records) failed $(cat "$work/shard.$s.attempts" 2>/dev/null || echo 0) times:" >&2
		sed 's/^/  /' "$work/shard.$s.err" >&2 2>/dev/null || true
	done
	die "${#failed[@]} of $ns shards failed; no records written"
fi

# Merge: record i of the batch is record floor(i/ns) of shard i mod ns.
merged=$work/out.mp
outs=()
for ((s = 0; s < ns; s++)); do outs+=("$work/shard.$s.out.jsonl"); done
awk -v k="$ns" -v n="$n" '
	BEGIN {
		for (i = 0; i < n; i++) {
			f = ARGV[1 + i % k]
			if ((getline line < f) <= 0) { print "short shard " f > "/dev/stderr"; exit 1 }
			print line
		}
		exit 0
	}' "${outs[@]}" | "$tttd_cat" -q -j -o "$merged" || die "cannot merge the shards"
[ "$verbose" = 1 ] && say "$n records merged from $ns shards"
if [ -n "$output" ]; then
	mv "$merged" "$output.tmp" && mv "$output.tmp" "$output" || die "cannot write '$output'"
else
	cat "$merged" || die "cannot write the output"
fi
