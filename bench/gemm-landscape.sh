#!/bin/bash
# bench/gemm-landscape.sh - measure a task's landscape on its device (a
# uniform sample of its feasible configurations, then every neighbour of
# everything near the best) and write it as a replay model task, so that
# search strategies can be compared on the CPU on what the device really did.
#
#   bench/gemm-landscape.sh [--task kernels/gemm] [-n 3000|all] [--seed 1]
#                           [--shape 4096x4096x4096] [--time S] [--out DIR] ...
#
# 1. Sample: tttd-space --table, on a model task with T's decisions and
#    constraints, lists every feasible choice (as text: no source rendered),
#    and N of them are drawn in a seeded order (all of them, shuffled, for
#    -n all or an N past the space's size).  A space whose walk visits more
#    than --list-max choices is sampled by rejection instead: options drawn
#    uniformly, infeasible draws dropped, which is uniform over the feasible
#    configurations too (tttd-generate --uniform is not: it picks uniformly
#    among each decision's feasible options).  The sample is drawn once, into
#    DIR/sample.tsv.
# 2. Measure: what is still unmeasured goes, --chunk at a time, through
#    tttd-render | tttd-compile -j | tttd-bench --shape S --max-time T.  Each
#    chunk's records (sources stripped) land whole in DIR/chunks/NNNN.mp.zst
#    and one line per configuration in DIR/chunks/NNNN.tsv, which is what
#    counts as measured: a killed run loses at most the chunk in flight, and
#    a run again on DIR goes on from there and never measures twice.
# 3. Neighbours: every feasible configuration that differs in one decision
#    from a correct one within --within (default 10%) of the best measured is
#    measured too, again and again as the best and the near set move, until
#    none is left (or --max-extra of them were measured).
# 4. Replay: DIR/replay (or --dest) is a model task (target model) with the
#    task's decisions and constraints and a cost_table, times.tsv, of every
#    measured configuration's time (0: it failed), with a header naming the
#    device, dates, commits and timing protocol.  A feasible configuration
#    that was not measured has no line in times.tsv, so the replay treats it
#    as failing (docs/task-format.md: "a choice with no line fails"); the
#    header says how many there are.
#
# --time S stops starting chunks after S seconds, so a device call can end
# in time; run again with the same options to go on.  The table printed last
# says what is measured, the best, cuBLAS's time and the ratio, and the
# seconds spent per configuration in this call.
set -euo pipefail
prog=gemm-landscape
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib/model-task.sh
. "$top/bench/lib/model-task.sh"
export PATH="$top/bin:$PATH"
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	cat <<'USAGE'
usage: gemm-landscape.sh [--task T] [-n N|all] [--seed S] [--shape MxNxK] [--max-time S]
                         [--chunk C] [--time S] [--within X] [--max-extra E] [--jobs J]
                         [--arch sm_XY] [--backend B] [--list-max L] [--out DIR]
                         [--dest FOLDER] [--name NAME]

Measure a uniform sample of task T's feasible configurations (default
kernels/gemm, N 3000, seed 1) at one shape (default 4096x4096x4096, at most
0.2 s of timed repetitions each), then every feasible one-decision neighbour
of each configuration within X (default 0.1) of the best, and write the
result as a replay model task.  Resumable: run again on the same DIR.

  --task T        task folder or name (default kernels/gemm)
  -n N            sample size, or all (default 3000; all when N >= the space)
  --seed S        the sample's seed (default 1)
  --shape S       tttd-bench --shape (default 4096x4096x4096)
  --max-time S    tttd-bench --max-time per configuration (default 0.2)
  --chunk C       configurations per chunk (default 200)
  --time S        start no chunk after S seconds; run again to go on
  --within X      neighbours of everything within X of the best (default 0.1)
  --max-extra E   measure at most E neighbours beyond the sample (default 3000)
  --jobs J        tttd-compile -j (default: online CPUs)
  --arch A        CUDA architecture (default $TTTD_ARCH, else sm_90a)
  --backend B     tttd-bench --backend (default: the task's target)
  --list-max L    list the space when its walk visits at most L choices
                  (tttd-space --max; default 2000000), else sample by rejection
  --out DIR       state and records (default bench/out/gemm-landscape)
  --dest FOLDER   the replay task (default DIR/replay)
  --name NAME     the replay task's name (default: T's name + _landscape)
USAGE
}
usage_die() { echo "$prog: $*" >&2; usage | head -4 >&2; exit 2; }

task=kernels/gemm n=3000 seed=1 shape=4096x4096x4096 maxt=0.2 chunk=200 limit='' within=0.1
max_extra=3000 jobs=$(nproc) arch=${TTTD_ARCH:-sm_90a} backend='' list_max=2000000
out=$top/bench/out/gemm-landscape dest='' name=''
num='^[0-9]+([.][0-9]+)?$'
while [ $# -gt 0 ]; do
	case $1 in
	--task | -n | --seed | --shape | --max-time | --chunk | --time | --within | --max-extra | --jobs | \
		--arch | --backend | --list-max | --out | --dest | --name)
		[ $# -ge 2 ] || usage_die "option '$1' needs an argument" ;;&
	--task) task=$2 ;;
	-n) [[ $2 =~ ^[1-9][0-9]*$ || $2 = all ]] || usage_die "invalid sample size '$2' (a number or all)"; n=$2 ;;
	--seed) [[ $2 =~ ^[0-9]+$ ]] || usage_die "invalid seed '$2'"; seed=$2 ;;
	--shape) [[ $2 =~ ^[1-9][0-9]*(x[1-9][0-9]*)*$ ]] || usage_die "invalid shape '$2' (dims joined by x)"; shape=$2 ;;
	--max-time) [[ $2 =~ $num ]] || usage_die "invalid time '$2' for --max-time"; maxt=$2 ;;
	--chunk) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_die "invalid number '$2' for --chunk"; chunk=$2 ;;
	--time) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_die "invalid number '$2' for --time"; limit=$2 ;;
	--within) [[ $2 =~ $num ]] || usage_die "invalid fraction '$2' for --within"; within=$2 ;;
	--max-extra) [[ $2 =~ ^[0-9]+$ ]] || usage_die "invalid number '$2' for --max-extra"; max_extra=$2 ;;
	--jobs) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_die "invalid number '$2' for --jobs"; jobs=$2 ;;
	--arch) arch=$2 ;;
	--backend) backend=$2 ;;
	--list-max) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_die "invalid number '$2' for --list-max"; list_max=$2 ;;
	--out) out=$2 ;;
	--dest) dest=$2 ;;
	--name) name=$2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage_die "unknown option '$1'" ;;
	esac
	shift 2
done

taskdir=$task
[ -d "$taskdir" ] || taskdir=$top/kernels/$task
[ -f "$taskdir/task" ] || die "no task folder '$task'"
tname=$(awk '$1 == "name" { print $2; exit }' "$taskdir/task")
[ -n "$tname" ] || die "task '$task' has no name"
[ -n "$dest" ] || dest=$out/replay
[ -n "$name" ] || name=${tname}_landscape
bench_backend=()
[ -z "$backend" ] || bench_backend=(--backend "$backend")

# The decisions and their options, in task order, one line each: name, then
# the options, tab-separated.  An option may be a quoted string with blanks.
decisions() {
	awk '$1 == "decision" {
		line = $0; sub(/^[ \t]*decision[ \t]+/, "", line); out = ""; sep = ""
		while (match(line, /^("[^"]*"|[^ \t]+)/)) {
			w = substr(line, 1, RLENGTH); line = substr(line, RLENGTH + 1)
			sub(/^[ \t]+/, "", line)
			if (w ~ /^".*"$/) w = substr(w, 2, length(w) - 2)
			out = out sep w; sep = "\t"
		}
		print out
	}' "$taskdir/task"
}
decs=$(decisions | cut -f1 | paste -sd' ')
[ -n "$decs" ] || die "task '$task' has no decisions"
nd=$(wc -w <<<"$decs")

mkdir -p "$out/chunks"
start=$(date +%s)
# TTTD_COMMIT names the commit when the tree is a copy whose git metadata
# is older than its files (a device's copy of a working tree); otherwise a
# tree with uncommitted changes says so (-dirty).
commit=${TTTD_COMMIT:-$(git -C "$top" describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)}
grep -qx "$commit" "$out/commits" 2>/dev/null || echo "$commit" >>"$out/commits"
params="task=$tname n=$n seed=$seed shape=$shape max-time=$maxt within=$within decisions=$decs"
if [ -f "$out/params" ]; then
	[ "$(head -1 "$out/params")" = "$params" ] ||
		die "$out was measured with other settings ($(head -1 "$out/params")); use another --out"
else
	{ echo "$params"; date -u +%F; } >"$out/params"
fi
started=$(sed -n 2p "$out/params")

# Decision tuples (one configuration a line, options tab-separated in task
# order) to candidate records that tttd-render fills in.
to_records() {
	jq -cR --arg decs "$decs" --arg task "$tname" '
		($decs | split(" ")) as $d | split("\t") as $v
		| {v: 1, kind: "candidate", task: $task, step: 0, parent: "", group: "0/landscape",
		   parent_decisions: {}, decisions: ([$d, $v] | transpose | map({(.[0]): .[1]}) | add)}' |
		tttd-cat -j
}
# Records back to tuples (and whatever else the jq expression $2 adds).
tuples_of() { jq -r --arg decs "$decs" "($1) as \$r | (\$decs | split(\" \")) as \$d | [(\$d[] as \$k | \$r.decisions[\$k])$2] | @tsv"; }
# Lines of $2 whose first nd fields are not a key in $1.
minus() { awk -F'\t' -v nd="$nd" 'function key(  k, i) { k = $1; for (i = 2; i <= nd; i++) k = k "\t" $i; return k }
	FILENAME == ARGV[1] { seen[key()] = 1; next } !(key() in seen) && !(key() in done) { done[key()] = 1; print key() }' "$1" "$2"; }

# A model task with T's decisions and constraints and a constant time: its
# tttd-space --table lists every feasible choice as text, without rendering
# a source per choice, and gives up past --list-max choices visited.
model_task() { # $1: folder, $2: the cost line
	mkdir -p "$1"
	{
		echo "name ${tname}_space"
		model_task_lines "$taskdir"
		echo "$2"
	} >"$1/task"
	echo "/* space */" >"$1/kernel.txt"
}

# 1. The sample, drawn once.
if [ ! -s "$out/sample.tsv" ]; then
	model_task "$out/space" "cost 1
ref_cost 1"
	if tttd-space -q --table --max "$list_max" "$out/space" 2>"$out/space.err" >"$out/space.tmp"; then
		grep -v '^#' "$out/space.tmp" | sed 1d | cut -f1-"$nd" >"$out/space.tsv"
		feasible=$(wc -l <"$out/space.tsv")
		[ "$feasible" -gt 0 ] || die "task '$task' has no feasible configuration"
		[ "$n" = all ] || [ "$n" -ge "$feasible" ] && take=$feasible || take=$n
		# A seeded order over the whole space; the sample is its first N.
		awk -v seed="$seed" 'BEGIN { srand(seed) } { printf "%.12f\t%s\n", rand(), $0 }' "$out/space.tsv" |
			sort -t"$(printf '\t')" -k1,1g -s | cut -f2- | awk -v k="$take" 'NR <= k' >"$out/sample.tsv.tmp"
		how="a uniform sample of $take of the $feasible feasible configurations (seed $seed)"
		[ "$take" -lt "$feasible" ] || how="all $feasible feasible configurations (exhaustive)"
	else
		grep -q 'more than' "$out/space.err" || die "tttd-space: $(head -1 "$out/space.err")"
		[ "$n" != all ] || die "task '$task' has more than --list-max $list_max choices to visit: -n all is not possible"
		# Too large to list: rejection sampling, every option of every
		# decision equally likely and infeasible draws (tttd-render) dropped,
		# is uniform over the feasible configurations.
		: >"$out/sample.tsv.tmp"
		round=0
		while [ "$(wc -l <"$out/sample.tsv.tmp")" -lt "$n" ]; do
			round=$((round + 1))
			[ "$round" -le 20 ] || die "rejection sampling: fewer than $n feasible in 20 rounds (the constraints reject nearly everything)"
			decisions | cut -f2- | awk -F'\t' -v seed="$seed" -v r="$round" -v k="$((4 * n))" '
				{ m[NR] = NF; for (j = 1; j <= NF; j++) o[NR, j] = $j }
				END { srand(seed * 1000 + r); for (i = 0; i < k; i++) { s = "";
					for (d = 1; d <= NR; d++) s = s (d > 1 ? "\t" : "") o[d, 1 + int(rand() * m[d])]; print s } }' |
				to_records | tttd-render -q --task "$taskdir" 2>/dev/null | tttd-cat |
				jq -c 'select(.status == "generated")' | tuples_of . '' >"$out/draw.tmp"
			cat "$out/sample.tsv.tmp" "$out/draw.tmp" | awk -v k="$n" '!seen[$0]++ && ++c <= k' >"$out/sample.new.tmp"
			mv "$out/sample.new.tmp" "$out/sample.tsv.tmp"
		done
		rm -f "$out/draw.tmp"
		how="a uniform sample of $n feasible configurations (rejection sampling, seed $seed; more than $list_max choices to visit)"
	fi
	rm -f "$out/space.tmp" "$out/space.err"
	echo "$how" >"$out/sample.how"
	mv "$out/sample.tsv.tmp" "$out/sample.tsv"
fi
how=$(cat "$out/sample.how")


# A chunk counts once its table is there: records without a table (a run
# killed between the two) and temporary files are dropped and measured again.
for f in "$out"/chunks/*.mp.zst; do
	[ -e "$f" ] || continue
	[ -s "${f%.mp.zst}.tsv" ] || rm -f "$f"
done
rm -f "$out"/chunks/*.tmp "$out"/chunks/*.raw.mp "$out"/*.tmp
measured() { cat "$out"/chunks/*.tsv 2>/dev/null || true; }

# The per-configuration line: tuple, time_ns (0 failed), status, ref_ns,
# cuBLAS's time (0 without a baseline), device, protocol.
fields=', (if $r.status == "ok" then ($r.time_ns * 10 | round) / 10 else 0 end), $r.status, ($r.ref_ns // 0),
	($r.baseline_ns // 0), ($r.device // ""), ($r.check.protocol // "")'

# --timeout 30: a slow configuration (small tiles, split K 16) at a large
# shape plus its checks must not be taken for a hang.
measure_chunk() { # $1: tuples file, $2: chunk number
	local base
	base=$(printf '%s/chunks/%04d' "$out" "$2")
	to_records <"$1" | tttd-render -q --task "$taskdir" |
		tttd-compile -q -j "$jobs" --arch "$arch" --cache "$out/cache" |
		tttd-bench -q "${bench_backend[@]}" --task "$taskdir" --shape "$shape" --max-time "$maxt" \
			--timeout 30 -o "$base.raw.mp"
	tttd-cat "$base.raw.mp" | jq -c 'select(.kind == "candidate") | del(.source, .object)' |
		tttd-cat -j -z -o "$base.mp.zst"
	rm -f "$base.raw.mp"
	tttd-cat "$base.mp.zst" | tuples_of . "$fields" >"$base.tsv.tmp"
	# A configuration that came back with no record counts as failed, so
	# that it is not asked for again and again.
	minus "$base.tsv.tmp" "$1" | awk -v OFS='\t' '{ print $0, 0, "missing", 0, 0, "", "" }' >"$base.miss.tmp"
	cat "$base.tsv.tmp" "$base.miss.tmp" >"$base.all.tmp"
	mv "$base.all.tmp" "$base.tsv" # the chunk counts from here on
	rm -f "$base.tsv.tmp" "$base.miss.tmp"
}

# Feasible one-decision neighbours of every correct configuration within
# --within of the best, not yet measured; tttd-render decides feasibility,
# and what it rejects is remembered in infeasible.tsv.
neighbours() {
	measured | awk -F'\t' -v nd="$nd" -v w="$within" '
		$(nd + 1) > 0 { t[NR] = $(nd + 1); l[NR] = $0; if (best == "" || $(nd + 1) < best) best = $(nd + 1) }
		END { for (i in t) if (t[i] <= best * (1 + w)) print l[i] }' | cut -f1-"$nd" >"$out/near.tmp"
	decisions | cut -f2- >"$out/opts.tmp"
	awk -F'\t' -v nd="$nd" 'NR == FNR { k[FNR] = NF; for (j = 1; j <= NF; j++) opt[FNR, j] = $j; next }
		{ for (i = 1; i <= nd; i++) for (j = 1; j <= k[i]; j++) if (opt[i, j] != $i) {
			s = ""; for (q = 1; q <= nd; q++) s = s (q > 1 ? "\t" : "") (q == i ? opt[i, j] : $q); print s } }' \
		"$out/opts.tmp" "$out/near.tmp" | sort -u >"$out/cand.tmp"
	touch "$out/infeasible.tsv"
	{ measured; cat "$out/infeasible.tsv"; } >"$out/known.tmp"
	minus "$out/known.tmp" "$out/cand.tmp" >"$out/new.tmp"
	: >"$out/feasible.tmp"
	if [ -s "$out/new.tmp" ]; then
		to_records <"$out/new.tmp" | tttd-render -q --task "$taskdir" 2>/dev/null | tttd-cat |
			jq -c 'select(.status == "generated")' | tuples_of . '' >"$out/feasible.tmp"
		minus "$out/feasible.tmp" "$out/new.tmp" >>"$out/infeasible.tsv"
	fi
	cat "$out/feasible.tmp"
	rm -f "$out"/*.tmp
}

# 2 and 3: measure what is pending, the sample first, chunk by chunk.
nsample=$(wc -l <"$out/sample.tsv")
calls=0 note=''
while :; do
	minus <(measured) "$out/sample.tsv" >"$out/pending.tmp"
	phase=sample
	if [ ! -s "$out/pending.tmp" ]; then
		phase=neighbours
		neighbours >"$out/pending.tsv"
		mv "$out/pending.tsv" "$out/pending.tmp"
		if [ -s "$out/pending.tmp" ]; then
			extra=$(minus "$out/sample.tsv" <(measured) | wc -l)
			if [ "$extra" -ge "$max_extra" ]; then
				note="stopped: --max-extra $max_extra neighbours measured, $(wc -l <"$out/pending.tmp") still pending"
				break
			fi
		fi
	fi
	[ -s "$out/pending.tmp" ] || { note="complete: the sample and every neighbour within $within of the best measured"; break; }
	if [ -n "$limit" ] && [ $(($(date +%s) - start)) -ge "$limit" ]; then
		note="--time $limit s spent; $(wc -l <"$out/pending.tmp") $phase configurations pending: run again with the same options to go on"
		break
	fi
	last=$(ls "$out"/chunks/*.tsv 2>/dev/null | tail -1 || true)
	next=0
	[ -z "$last" ] || next=$((10#$(basename "$last" .tsv) + 1))
	head -n "$chunk" "$out/pending.tmp" >"$out/chunk.in"
	c0=$(date +%s)
	measure_chunk "$out/chunk.in" "$next"
	calls=$((calls + $(wc -l <"$out/chunk.in")))
	rm -f "$out/chunk.in"
	echo "$prog: chunk $next ($phase): $(wc -l <"$out/pending.tmp") pending before it, $(measured | wc -l) measured," \
		"best $(measured | awk -F'\t' -v nd="$nd" '$(nd + 1) > 0 && (b == "" || $(nd + 1) < b) { b = $(nd + 1) }
			END { print b == "" ? "none" : b / 1000 " us" }'), $(($(date +%s) - c0)) s" >&2
done
rm -f "$out/pending.tmp"

# 4. The replay task, from everything measured so far.
measured >"$out/measured.tsv"
total=$(wc -l <"$out/measured.tsv")
[ "$total" -gt 0 ] || die "nothing measured yet in $out"
ok=$(awk -F'\t' -v nd="$nd" '$(nd + 1) > 0' "$out/measured.tsv" | wc -l)
extra=$(minus "$out/sample.tsv" "$out/measured.tsv" | wc -l)
insample=$((total - extra))
col() { awk -F'\t' -v c="$1" '$c != "" { n[$c]++ } END { for (v in n) print n[v] "\t" v }' "$out/measured.tsv" |
	sort -k1,1nr | cut -f2 | paste -sd, | sed 's/,/, /g'; }
device=$(col $((nd + 5)))
protocol=$(col $((nd + 6)))
[ -n "$device" ] || device=unknown
ref_ns=$(awk -F'\t' -v nd="$nd" '$(nd + 1) > 0 && $(nd + 3) > 0 { print $(nd + 3) }' "$out/measured.tsv" |
	sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", NR ? v[int((NR + 1) / 2)] : 0 }')
[ "$ref_ns" -gt 0 ] || ref_ns=$(awk -F'\t' -v nd="$nd" '$(nd + 1) > 0 { print $(nd + 1) }' "$out/measured.tsv" |
	sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", NR ? v[int((NR + 1) / 2)] : 1 }')
commits=$(paste -sd, "$out/commits" | sed 's/,/, /g')
today=$(date -u +%F)
dates=$started
[ "$today" = "$started" ] || dates="$started to $today"
unmeasured=''
if [ -s "$out/space.tsv" ]; then
	unmeasured="$(($(wc -l <"$out/space.tsv") - total)) of the $(wc -l <"$out/space.tsv") feasible configurations"
else
	unmeasured="every configuration not above (the space was too large to list)"
fi
header="Measured by bench/gemm-landscape.sh on $device, $dates, commit $commits.
Sample: $how.
Then: $extra feasible one-decision neighbours of the configurations within $within of the best.
$total measured, $ok correct; tttd-bench protocol $protocol at shape $shape, --max-time $maxt.
Unmeasured: $unmeasured; they have no line in times.tsv,
so the replay treats them as failing (docs/task-format.md, cost_table)."
mkdir -p "$dest"
{
	sed 's/^/# /' <<<"$header"
	echo "# Each line: a configuration's options, its time in ns (0 = it failed)."
	echo "$decs time_ns" | tr ' ' '\t'
	cut -f1-$((nd + 1)) "$out/measured.tsv"
} >"$dest/times.tsv.tmp"
{
	echo "# A replay of task '$tname' (no code runs: a candidate's time is its"
	echo "# measured time in times.tsv), for comparing search strategies on the CPU."
	sed 's/^/# /' <<<"$header"
	echo "name $name"
	echo "about Replay of $tname measured on $device ($total configurations, $ok correct, $dates, commit $commits)."
	model_task_lines "$taskdir"
	echo "cost_table times.tsv"
	echo "ref_cost $ref_ns"
} >"$dest/task.tmp"
# shellcheck disable=SC2086 # one word per decision
model_task_template "$name" $decs >"$dest/kernel.txt"
mv "$dest/times.tsv.tmp" "$dest/times.tsv"
mv "$dest/task.tmp" "$dest/task"
space=$(tttd-space -q --within "$within" "$dest" | tttd-cat) || die "the replay $dest does not load (tttd-space)"

# The table.
best=$(awk -F'\t' -v nd="$nd" '$(nd + 1) > 0 && (b == "" || $(nd + 1) < b) { b = $(nd + 1); l = $0 } END { print l }' "$out/measured.tsv")
bt=$(cut -f$((nd + 1)) <<<"$best")
bb=$(cut -f$((nd + 4)) <<<"$best")
near=$(awk -F'\t' -v nd="$nd" -v b="$bt" -v w="$within" '$(nd + 1) > 0 && $(nd + 1) <= b * (1 + w)' "$out/measured.tsv" | wc -l)
spent=$(($(date +%s) - start))
echo "== gemm-landscape: $tname at $shape on $device (commit $commit)"
echo "| measured | in sample | neighbours | correct | within $within | best (us) | cuBLAS (us) | cuBLAS/best | s per configuration, this call |"
echo "|---|---|---|---|---|---|---|---|---|"
awk -v a="$total" -v s="$insample" -v ns="$nsample" -v e="$extra" -v o="$ok" -v nr="$near" -v bt="$bt" -v bb="$bb" \
	-v c="$calls" -v t="$spent" 'BEGIN {
	printf "| %d | %d of %d | %d | %d | %d | %s | %s | %s | %s |\n", a, s, ns, e, o, nr,
		(bt > 0 ? sprintf("%.1f", bt / 1000) : "-"), (bb > 0 ? sprintf("%.1f", bb / 1000) : "-"),
		(bt > 0 && bb > 0 ? sprintf("%.3f", bb / bt) : "-"), (c > 0 ? sprintf("%.3f (%d in %d s)", t / c, c, t) : "-") }'
[ -z "$best" ] || echo "best: $(paste <(tr ' ' '\n' <<<"$decs") <(cut -f1-"$nd" <<<"$best" | tr '\t' '\n') | tr '\t' '=' | paste -sd' ')"
echo "replay: $dest ($(jq -r '"\(.feasible) feasible, \(.ok) correct, optimum \(.best_ns * 10 | round / 10) ns, \(.hits) within \(.within)"' <<<"$space"))"
echo "$note"
