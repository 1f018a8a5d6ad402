#!/usr/bin/env bash
# bench/ablation.sh: does test-time training find better kernels per
# evaluation than search without it?  Runs the same budget of evaluations,
# over several seeds, with strategies that go through the same
# tttd-compile | tttd-bench | tttd-score stages (pipelines/tttd-discover.sh):
#
#   uniform   uniform random search           --uniform --no-select
#   puct      PUCT with the untrained policy  --paper --no-train
#   mean      policy gradient, mean baseline  --paper --estimator mean
#   noselect  entropic objective, no PUCT     --paper --no-select
#   ttt       the paper's TTT-Discover        --paper
#   ga        a genetic algorithm             --ga (tttd-mutate)
#   screen    tttd-discover's default         (no flags: its own groups and
#             children; PUCT, the policy's proposals screened by a value model)
#   screen-notrain, screen-noselect, screen-norecomb, screen-16,
#             screen-explore, screen-nolocal: the default without training,
#             without PUCT, without recombination, with 16 proposals per
#             parent instead of 64, with 64 uniform draws added to the pool,
#             and without local moves (what does the work)
#
# and, on a model task only (its landscape is known, so a sequential search
# can ask one choice at a time), classic tuners counted by the same rule:
#
#   climb     random-restart hill climbing    tttd-localsearch --method climb
#   anneal    simulated annealing             tttd-localsearch --method anneal
#   tpe       Optuna's TPE sampler            bench/peers.py (Python)
#   cmaes     Optuna's CMA-ES sampler         bench/peers.py
#   bayes_opt Kernel Tuner's bayes_opt        bench/peers.py
#
# The Python peers run in a venv (--venv, default bench/out/peers-venv),
# made with pip when missing; a peer that cannot be installed is reported
# and left out.  Every evaluation request counts, repeats included; a
# request outside the constraints is free.  On a model task every run stops
# at the exact optimum (nothing can beat it; the peers too) and its series is
# carried flat to the budget.
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
                   [--stop-at-target] [--task name] [--venv dir] [--within x]

Compare TTT-Discover with search without test-time training at equal budgets.

  --task name       the task (a name under kernels/ or a folder; default matmul)
  --budget n        evaluations per run (default 256)
  --seeds s         seeds 1..s per method (default 5)
  --groups g        parents per step of the paper-style methods (default 4)
  --children k      children per parent of the paper-style methods (default 8)
  --backend b       cpu, cuda or auto (default auto)
  --bench-time s    timing budget per candidate in seconds (default 1)
  --cache dir       one compile cache for every run (default: each run's own);
                    it saves compile time only, never evaluations
  --methods list    comma-separated subset of uniform,puct,mean,noselect,ttt,ga,
                    screen,climb,anneal,tpe,cmaes,bayes_opt (default: the first
                    seven, and climb and anneal on a model task)
  --optimum ns      the best known time in ns (default: a model task's exact
                    optimum, else the best seen by any run)
  --out dir         where runs and results go (default bench/out/ablation-<task>)
  --series file     run nothing: make the table and plot from series.tsv files
                    of earlier ablations of the same task and budget (repeat
                    it; e.g. methods run in separate jobs or on separate GPUs)
  --venv dir        the Python peers' venv (default bench/out/peers-venv)
  --within x        the target: within x of the best known (default 0.01)
  --stop-at-target  on a model task, stop a run at the target rather than at
                    the exact optimum (faster; the rewards after that point
                    are then lower bounds, the evaluations to the target exact)
  -h, --help        this help
USAGE
}
die() { echo "ablation.sh: $*" >&2; exit 1; }
usage_die() { echo "ablation.sh: $*" >&2; usage | head -2 >&2; echo "Try 'ablation.sh --help' for more information." >&2; exit 2; }

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/.." && pwd)
task=matmul budget=256 seeds=5 groups=4 children=8 backend=auto bench_time=1 optimum='' out='' cache=''
methods='' series=() venv='' within=0.01 stop_at_target=0
all_methods="uniform puct mean noselect ttt ga screen screen-notrain screen-noselect screen-norecomb screen-16 screen-explore screen-nolocal climb anneal tpe cmaes bayes_opt"
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
	--venv) need_arg "$@"; venv=$2; shift ;;
	--stop-at-target) stop_at_target=1 ;;
	--within) need_arg "$@"; [[ $2 =~ ^[0-9]*\.?[0-9]+$ ]] || usage_die "invalid number '$2' for $1"; within=$2; shift ;;
	--series) need_arg "$@"; [ -r "$2" ] || usage_die "cannot read series file '$2'"; series+=("$(readlink -f "$2")"); shift ;;
	-*) usage_die "unknown option '$1'" ;;
	*) usage_die "unexpected argument '$1'" ;;
	esac
	shift
done
flags_of() {
	case $1 in
	uniform) echo "--uniform --no-select" ;;
	puct) echo "--paper --no-train" ;;
	mean) echo "--paper --estimator mean" ;;
	noselect) echo "--paper --no-select" ;;
	ttt) echo "--paper" ;;
	ga) echo "--ga" ;;
	screen) echo "" ;;
	screen-notrain) echo "--no-train" ;;
	screen-noselect) echo "--no-select" ;;
	screen-norecomb) echo "--recombine 0" ;;
	screen-16) echo "--proposals 16" ;;
	screen-explore) echo "--explore 64" ;;
	screen-nolocal) echo "--local 0" ;;
	climb | anneal | tpe | cmaes | bayes_opt) echo "" ;;
	*) usage_die "unknown method '$1' ($(echo $all_methods | tr ' ' ','))" ;;
	esac
}
if [ ${#series[@]} -gt 0 ]; then
	# The methods and seeds are those of the files, in the usual order.
	have=$(cut -f1 "${series[@]}" | sort -u)
	methods=$(for m in $all_methods; do if grep -qx "$m" <<<"$have"; then echo "$m"; fi; done | paste -sd, -)
	[ -n "$methods" ] || die "no known method in the series files"
	seeds=$(cut -f2 "${series[@]}" | sort -n | tail -n 1)
fi
out=${out:-bench/out/ablation-$(basename "$task")}
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
# A task given as a relative folder is found from the repository root, where the pipeline runs.
[ -d "$task" ] && task=$(cd "$task" && pwd)
# A model task's space is enumerated exactly (tttd-space): its optimum is
# known, and uniform search's evaluations to the target are geometric, so
# their median is exact instead of censored at the budget.  Other tasks
# (measured times) are refused by tttd-space and get no exact row.
exact_median='' exact_p='' exact_best=''
if "$top/bin/tttd-space" -q --within "$within" "$task" >"$out/space.mp" 2>/dev/null; then
	IFS=$'\t' read -r exact_best exact_p exact_median < <("$top/bin/tttd-cat" "$out/space.mp" |
		jq -r '[.best_ns, .p, (.median_draws // "inf")] | @tsv')
else
	rm -f "$out/space.mp"
fi
if [ -z "$methods" ]; then
	methods=uniform,puct,mean,noselect,ttt,ga,screen
	[ -z "$exact_best" ] || methods=$methods,climb,anneal
fi
IFS=, read -r -a mlist <<<"$methods"
for m in "${mlist[@]}"; do
	flags_of "$m" >/dev/null
	case $m in climb | anneal | tpe | cmaes | bayes_opt)
		[ -n "$exact_best" ] || [ ${#series[@]} -gt 0 ] || usage_die "method '$m' needs a model task (its landscape known)" ;;
	esac
done
# Every run uses one snapshot of the tools (a rebuild during a long ablation
# would otherwise mix binaries); task names still resolve in kernels/.
snap=$out/tools
rm -rf "$snap" && mkdir -p "$snap/pipelines" "$snap/bin"
cp "$top"/bin/tttd-* "$snap/bin/" || die "no tools in $top/bin (run 'make' first)"
cp "$top/pipelines/tttd-discover.sh" "$snap/pipelines/"
ln -s "$top/kernels" "$snap/kernels"
export PATH="$snap/bin:$PATH"
disc=$snap/pipelines/tttd-discover.sh

# The Python peers' venv: made (pip) when a peer is asked for and missing.
venv=${venv:-$top/bench/out/peers-venv}
peers_ok=
peer_python() {
	if [ -z "$peers_ok" ]; then
		peers_ok=no
		if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import numpy, optuna, kernel_tuner, sklearn' 2>/dev/null; then
			peers_ok=yes
		else
			echo "ablation.sh: installing the Python peers into $venv (pip: numpy optuna cmaes kernel_tuner scikit-learn)" >&2
			if { python3 -m venv "$venv" && "$venv/bin/pip" install -q numpy optuna cmaes kernel_tuner scikit-learn; } >"$out/pip.log" 2>&1; then
				peers_ok=yes
			else
				echo "ablation.sh: cannot install the Python peers (see $out/pip.log): tpe, cmaes and bayes_opt left out" >&2
			fi
		fi
	fi
	[ "$peers_ok" = yes ]
}
stop=()
[ -n "$exact_best" ] && stop=(--stop-ns "$exact_best")
[ -n "$exact_best" ] && [ "$stop_at_target" = 1 ] &&
	stop=(--stop-ns "$(awk -v b="$exact_best" -v w="$within" 'BEGIN { printf "%.17g", b * (1 + w) }')")
for m in "${mlist[@]}"; do
	[ ${#series[@]} -eq 0 ] || break
	case $m in tpe | cmaes | bayes_opt)
		if ! peer_python; then continue; fi
		[ -s "$out/landscape.tsv" ] || "$top/bin/tttd-space" -q --table "$task" -o "$out/landscape.tsv" ||
			die "cannot write the landscape of '$task'"
		;;
	esac
	for s in $(seq 1 "$seeds"); do
		r=$out/runs/$m-$s
		t0=$(date +%s)
		case $m in
		climb | anneal)
			mkdir -p "$r"
			[ -s "$r/evals.mp" ] || tttd-localsearch -q --method "$m" --budget "$budget" --seed "$s" \
				-o "$r/evals.mp" "$task" || die "run $m seed $s failed"
			;;
		tpe | cmaes | bayes_opt)
			mkdir -p "$r"
			[ -s "$r/series.tsv" ] || "$venv/bin/python" "$top/bench/peers.py" --table "$out/landscape.tsv" \
				--method "$m" --first-seed "$s" --seeds 1 --budget "$budget" "${stop[@]}" -o "$r/series.tsv" 2>"$r/log" ||
				die "run $m seed $s failed (see $r/log)"
			;;
		screen*)
			# shellcheck disable=SC2046 # the flags are words
			"$disc" -q --task "$task" --backend "$backend" --run "$r" --candidates "$budget" \
				--seed "$s" --bench-time "$bench_time" --no-best ${cache:+--cache "$cache"} "${stop[@]}" $(flags_of "$m") ||
				die "run $m seed $s failed (see $r/log)"
			;;
		*)
			# shellcheck disable=SC2046 # the flags are words
			"$disc" -q --task "$task" --backend "$backend" --run "$r" --candidates "$budget" \
				--groups "$groups" --children "$children" --seed "$s" --bench-time "$bench_time" \
				--no-best ${cache:+--cache "$cache"} "${stop[@]}" $(flags_of "$m") || die "run $m seed $s failed (see $r/log)"
			;;
		esac
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
		r=$out/runs/$m-$s
		if [ -f "$r/series.tsv" ]; then cat "$r/series.tsv"; continue; fi
		[ -d "$r" ] || continue # a peer left out
		if [ -f "$r/evals.mp" ]; then cat "$r/evals.mp"; else cat "$r"/steps/[0-9]*.mp; fi | tttd-cat |
			jq -r 'select(.kind == "candidate") | if .status == "ok" then .time_ns else "inf" end' |
			awk -v m="$m" -v s="$s" -v n="$budget" '
				NR > n { exit }
				{ if ($1 != "inf" && (best == "" || $1 + 0 < best)) best = $1 + 0
				  printf "%s\t%s\t%d\t%s\n", m, s, NR, best == "" ? "inf" : sprintf("%.6g", best) }
				# a run stopped at the exact optimum (--stop-ns) stays there
				END { for (i = NR + 1; i <= n && NR > 0; i++)
					printf "%s\t%s\t%d\t%s\n", m, s, i, best == "" ? "inf" : sprintf("%.6g", best) }'
	done
done >"$out/series.tsv"
# the methods that ran (a peer that could not be installed did not)
methods=$(for m in "${mlist[@]}"; do awk -F'\t' -v m="$m" '$1 == m { print m; exit }' "$out/series.tsv"; done | paste -sd, -)
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
	-v optsrc="$optsrc" -v sumfile="$out/summary.tsv" -v exact_median="$exact_median" -v exact_p="$exact_p" -v within="$within" \
	-f "$here/ablation-table.awk" "$out/series.tsv" >"$out/table.md"
LC_ALL=C awk -F'\t' -v opt="$optimum" -v n="$budget" -v methods="$methods" -v within="$within" \
	-v title="$(basename "$task"): best time so far (median over $seeds seeds, min-max band)" \
	-f "$here/plot.awk" "$out/series.tsv" >"$out/curves.svg"
cat "$out/table.md"
echo "ablation.sh: plot in $out/curves.svg" >&2
