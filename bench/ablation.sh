#!/usr/bin/env bash
# bench/ablation.sh: does test-time training find better kernels per
# evaluation than search without it?  Runs the same budget of evaluations,
# over several seeds, with six strategies that all go through the same
# tttd-compile | tttd-bench | tttd-score stages (pipelines/tttd-discover.sh):
#
#   uniform   uniform random search           --uniform --no-select
#   puct      PUCT with the untrained policy  --no-train
#   mean      policy gradient, mean baseline  --estimator mean
#   noselect  entropic objective, no PUCT     --no-select
#   ttt       full TTT-Discover               (the defaults)
#   ga        a genetic algorithm             --ga (tttd-mutate)
#
# and writes, under --out: runs/<method>-<seed>/ (each run), series.tsv (the
# best time so far after each evaluation, per run), table.md (best reward at
# several budgets, median [min-max] over seeds; evaluations to get within 1%
# of the best known time) and curves.svg (median best-so-far against
# evaluations, min-max band, one curve per method).  On a model task
# (tttd-space) the table also gets the exact median of uniform search
# ("uniform, exact": a geometric distribution, not censored at the budget),
# and the exact optimum is the best known time unless --optimum says else.
#
# An evaluation is one candidate record of the archive (a failed or a
# repeated candidate counts too: it cost a compile and a bench).  "Best known"
# is --optimum when given (a model task's known optimum), otherwise the best
# time seen over all runs of this ablation.  Runs that exist under --out are
# resumed, not redone.  It does not compare timings across machines.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ablation.sh [-h] [--backend b] [--bench-time s] [--budget n] [--cache dir] [--children k] [--groups g]
                   [--methods list] [--optimum ns] [--out dir] [--seeds s] [--series file]
                   [--task name]

Compare TTT-Discover with search without test-time training at equal budgets.

  --task name       the task (a name under kernels/ or a folder; default matmul)
  --budget n        evaluations per run (default 256)
  --seeds s         seeds 1..s per method (default 5)
  --groups g        parents per step (default 4)
  --children k      children per parent (default 8)
  --backend b       cpu, cuda or auto (default auto)
  --bench-time s    timing budget per candidate in seconds (default 1)
  --cache dir       one compile cache for every run (default: each run's own);
                    it saves compile time only, never evaluations
  --methods list    comma-separated subset of uniform,puct,mean,noselect,ttt,ga
  --optimum ns      the best known time in ns (default: a model task's exact
                    optimum, else the best seen by any run)
  --out dir         where runs and results go (default bench/out/ablation-<task>)
  --series file     run nothing: make the table and plot from series.tsv files
                    of earlier ablations of the same task and budget (repeat
                    it; e.g. methods run in separate jobs or on separate GPUs)
  -h, --help        this help
USAGE
}
die() { echo "ablation.sh: $*" >&2; exit 1; }
usage_die() { echo "ablation.sh: $*" >&2; usage | head -2 >&2; echo "Try 'ablation.sh --help' for more information." >&2; exit 2; }

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/.." && pwd)
task=matmul budget=256 seeds=5 groups=4 children=8 backend=auto bench_time=1 optimum= out= cache=
methods=uniform,puct,mean,noselect,ttt,ga series=()
need_arg() { [ $# -ge 2 ] || usage_die "option '$1' needs an argument"; }
isnum() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] || usage_die "invalid number '$2' for $1"; }
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--task) need_arg "$@"; task=$2; shift ;;
	--budget) need_arg "$@"; isnum "$1" "$2"; budget=$2; shift ;;
	--seeds) need_arg "$@"; isnum "$1" "$2"; seeds=$2; shift ;;
	--groups) need_arg "$@"; isnum "$1" "$2"; groups=$2; shift ;;
	--children) need_arg "$@"; isnum "$1" "$2"; children=$2; shift ;;
	--backend) need_arg "$@"; backend=$2; shift ;;
	--bench-time) need_arg "$@"; bench_time=$2; shift ;;
	--cache) need_arg "$@"; cache=$(mkdir -p "$2" && cd "$2" && pwd) || die "cannot use '$2' as a cache"; shift ;;
	--methods) need_arg "$@"; methods=$2; shift ;;
	--optimum) need_arg "$@"; [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_die "invalid number '$2' for $1"; optimum=$2; shift ;;
	--out) need_arg "$@"; out=$2; shift ;;
	--series) need_arg "$@"; [ -r "$2" ] || usage_die "cannot read series file '$2'"; series+=("$(readlink -f "$2")"); shift ;;
	-*) usage_die "unknown option '$1'" ;;
	*) usage_die "unexpected argument '$1'" ;;
	esac
	shift
done
flags_of() {
	case $1 in
	uniform) echo "--uniform --no-select" ;;
	puct) echo "--no-train" ;;
	mean) echo "--estimator mean" ;;
	noselect) echo "--no-select" ;;
	ttt) echo "" ;;
	ga) echo "--ga" ;;
	*) usage_die "unknown method '$1' (uniform, puct, mean, noselect, ttt, ga)" ;;
	esac
}
if [ ${#series[@]} -gt 0 ]; then
	# The methods and seeds are those of the files, in the usual order.
	have=$(cut -f1 "${series[@]}" | sort -u)
	methods=$(for m in uniform puct mean noselect ttt ga; do grep -qx "$m" <<<"$have" && echo "$m"; done | paste -sd, -)
	[ -n "$methods" ] || die "no known method in the series files"
	seeds=$(cut -f2 "${series[@]}" | sort -n | tail -n 1)
fi
IFS=, read -r -a mlist <<<"$methods"
for m in "${mlist[@]}"; do flags_of "$m" >/dev/null; done
out=${out:-bench/out/ablation-$(basename "$task")}
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
# A task given as a relative folder is found from the repository root, where the pipeline runs.
[ -d "$task" ] && task=$(cd "$task" && pwd)
# Every run uses one snapshot of the tools (a rebuild during a long ablation
# would otherwise mix binaries); task names still resolve in kernels/.
snap=$out/tools
rm -rf "$snap" && mkdir -p "$snap/pipelines" "$snap/bin"
cp "$top"/bin/tttd-* "$snap/bin/" || die "no tools in $top/bin (run 'make' first)"
cp "$top/pipelines/tttd-discover.sh" "$snap/pipelines/"
ln -s "$top/kernels" "$snap/kernels"
export PATH="$snap/bin:$PATH"
disc=$snap/pipelines/tttd-discover.sh

for m in "${mlist[@]}"; do
	[ ${#series[@]} -eq 0 ] || break
	for s in $(seq 1 "$seeds"); do
		r=$out/runs/$m-$s
		t0=$(date +%s)
		# shellcheck disable=SC2046 # the flags are words
		"$disc" -q --task "$task" --backend "$backend" --run "$r" --candidates "$budget" \
			--groups "$groups" --children "$children" --seed "$s" --bench-time "$bench_time" \
			--no-best ${cache:+--cache "$cache"} $(flags_of "$m") || die "run $m seed $s failed (see $r/log)"
		echo "ablation.sh: $m seed $s: $(($(date +%s) - t0)) s" >&2
	done
done

# series.tsv: method seed evaluation best_ns_so_far (inf until a correct one).
if [ ${#series[@]} -gt 0 ]; then
	awk -F'\t' -v n="$budget" '$3 > n { print "ablation.sh: series longer than the budget " n > "/dev/stderr"; bad = 1; exit 1 }
		{ print } END { exit bad }' "${series[@]}" >"$out/series.tsv.tmp" || die "the series files do not match --budget $budget"
	mv "$out/series.tsv.tmp" "$out/series.tsv"
else
for m in "${mlist[@]}"; do
	for s in $(seq 1 "$seeds"); do
		cat "$out/runs/$m-$s"/steps/[0-9]*.mp | tttd-cat | jq -r 'select(.kind == "candidate") |
			if .status == "ok" then .time_ns else "inf" end' |
			awk -v m="$m" -v s="$s" -v n="$budget" '
				NR > n { exit }
				{ if ($1 != "inf" && (best == "" || $1 + 0 < best)) best = $1 + 0
				  printf "%s\t%s\t%d\t%s\n", m, s, NR, best == "" ? "inf" : sprintf("%.6g", best) }'
	done
done >"$out/series.tsv"
fi
# A model task's space is enumerated exactly (tttd-space): its optimum is
# known, and uniform search's evaluations to within 1% are geometric, so
# their median is exact instead of censored at the budget.  Other tasks
# (measured times) are refused by tttd-space and get no exact row.
exact_median= exact_p= exact_best=
if tttd-space -q "$task" >"$out/space.mp" 2>/dev/null; then
	IFS=$'\t' read -r exact_best exact_p exact_median < <(tttd-cat "$out/space.mp" |
		jq -r '[.best_ns, .p, (.median_draws // "inf")] | @tsv')
else
	rm -f "$out/space.mp"
fi
if [ -z "$optimum" ] && [ -n "$exact_best" ]; then
	optimum=$exact_best
	optsrc="the exact optimum, tttd-space"
elif [ -z "$optimum" ]; then
	optimum=$(awk -F'\t' '$4 != "inf" && (b == "" || $4 + 0 < b) { b = $4 + 0 } END { print b }' "$out/series.tsv")
	optsrc="the best seen by any run of this ablation"
else
	optsrc="known optimum"
	[ -z "$exact_best" ] || awk -v a="$optimum" -v b="$exact_best" 'BEGIN { exit !(a > b * 1.000001 || a < b * 0.999999) }' &&
		echo "ablation.sh: warning: --optimum $optimum is not the exact optimum $exact_best; the exact row is relative to the latter" >&2
fi
[ -n "$optimum" ] || die "no run found a correct candidate"
if [ -r "$out/runs/${mlist[0]}-1/steps/000000.mp" ]; then
	reward_scale=$(tttd-cat "$out/runs/${mlist[0]}-1/steps/000000.mp" | jq -rs 'map(select(.status == "ok" and .reward)) | first |
		if . then .reward * .time_ns / 1000 else 1000 end')
else
	# No run here (--series): the task's own reward constant (reward = K / time in us).
	tdir=$task; [ -d "$tdir" ] || tdir=$top/kernels/$task
	reward_scale=$(awk '$1 == "reward" { print $2; exit }' "$tdir/task" 2>/dev/null)
	reward_scale=${reward_scale:-1000}
fi

LC_ALL=C awk -F'\t' -v opt="$optimum" -v n="$budget" -v rs="$reward_scale" -v methods="$methods" \
	-v task="$(basename "$task")" -v seeds="$seeds" -v groups="$groups" -v children="$children" \
	-v optsrc="$optsrc" -v sumfile="$out/summary.tsv" -v exact_median="$exact_median" -v exact_p="$exact_p" \
	-f "$here/ablation-table.awk" "$out/series.tsv" >"$out/table.md"
LC_ALL=C awk -F'\t' -v opt="$optimum" -v n="$budget" -v methods="$methods" \
	-v title="$(basename "$task"): best time so far (median over $seeds seeds, min-max band)" \
	-f "$here/plot.awk" "$out/series.tsv" >"$out/curves.svg"
cat "$out/table.md"
echo "ablation.sh: plot in $out/curves.svg" >&2
