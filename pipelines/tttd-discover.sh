#!/usr/bin/env bash
# tttd-discover: the discovery loop around the six tools.
#
# One step is one pipeline:
#   tttd-select | tttd-generate | tttd-compile | tttd-bench | tttd-score  -> steps/N.mp
#   tttd-train steps/N.mp                                                  -> policy/N.ckpt
# A run is a directory; running the same command again resumes after the last
# complete step and loses no benchmarked candidate (see docs/internals.md).
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: tttd-discover [-hqV] [--arch sm_XY] [--backend cpu|cuda|auto] [--bench-time s] [--cache dir] [--candidates n]
                     [--children k] [--device n] [--estimator entropic|mean] [--explore n] [--finalists n] [--ga] [--gpus n]
                     [--groups g] [--jobs n] [--local n] [--no-best] [--no-results] [--no-select] [--no-train]
                     [--objective auto|time|baseline] [--paper]
                     [--progress] [--proposals m] [--recombine p] [--results file] [--run dir] [--seed n]
                     [--shape MxNx..] [--steps n] [--stop-ns t] [--task name] [--time seconds] [--timeout s]
                     [--uniform] [--generate-cmd cmd] [--bench-cmd cmd]
                     [--lm url [--lm-model name] [--lm-trainer url] [--lm-opt args] [--lm-train-opt args]
                     [--hardware text]]

Run (or resume) a TTT-Discover search for the fastest correct kernel of a task.

  --run dir          the run directory (default runs/<task>); resumed if it exists
  --task name        a task: a folder, or a name under ./kernels or the installed
                     tasks (default: gemm with a GPU, matmul without)
  --shape S          tune at your own sizes: time at these shapes instead of the
                     task's bench shapes (dims joined by x, shapes by commas)
  --backend b        where candidates run: cpu, cuda or auto (default auto: the
                     task's target, cpu or cuda)
  --steps n          stop after n steps in total (default 8)
  --candidates n     stop once n candidates have been evaluated in total
  --time seconds     stop starting new steps after this long (this invocation)
  --groups g         parents picked by PUCT per step (default 2; 8 with --paper)
  --children k       children evaluated per parent (default 2; 8 with --paper)
  --proposals m      children the policy proposes per parent, of which a value
                     model of the archive (tttd-screen) keeps the --children
                     most promising (default 64)
  --explore n        uniform draws from the whole space added to the screened
                     pool each step (default 0)
  --local n          of the children kept each step, n are the model's best
                     unevaluated one-decision neighbours of the archive's
                     fastest state (default 1; 0 = off)
  --recombine p      probability that a proposal gets a sibling recombined
                     with the archive's fastest states (default 0.3)
  --paper            the paper's exact method: every sampled child is
                     evaluated (no value model, no recombination)
  --seed n           the run's seed (default 1); recorded in the run
  --jobs n           parallel compiles (default: CPUs)
  --device n         GPU to benchmark on (default 0)
  --gpus n           benchmark on GPUs 0..n-1 at once (tttd-fanout; default 1)
  --arch sm_XY       CUDA architecture to compile for (default: the device's)
  --timeout s        per-candidate benchmark timeout (default 10)
  --bench-time s     timed repetitions per candidate for at most s seconds (default 1)
  --objective o      what the search ranks by: time, or baseline: the speed-up
                     over the task's baseline (cuBLAS for gemm), each candidate
                     timed with the baseline's calls interleaved with its own
                     (tttd-bench --paired), so that the GPU's clock drift
                     between candidates does not rank them; default auto:
                     baseline on the GPU for a task that has one, else time
  --cache dir        the compile cache (default <run>/cache); runs may share one
  --no-best          skip re-measuring the best at the end (no best/ report)
  --finalists n      how many of the best candidates are re-measured at the
                     end (default 3; 8 with the baseline objective): a short
                     measurement can rank a faster kernel below a slower
                     one, and more finalists give it its longer measurement
  --results file     the results index the confirmed best is added to (default
                     $XDG_DATA_HOME/tttd/results.db; see tttd-results)
  --no-results       do not add the best to the results index
  --stop-ns t        stop once a correct candidate takes at most t ns (a known
                     optimum: nothing can beat it)
  --estimator e      advantage estimator: entropic (default) or mean
  --uniform          sample uniformly (search without a policy)
  --no-train         never update the policy (search with the initial policy)
  --no-select        ignore PUCT: always expand the task's initial states
  --ga               a classic genetic algorithm instead (no policy, no PUCT):
                     the --groups best of the archive are mutated and crossed
                     over by tttd-mutate, --children each
  --generate-cmd c   the generator is the shell command c: it reads the step's
                     parents (tttd-select's records) on stdin and writes
                     candidates on stdout, with a source or with decisions
                     only (tttd-render renders those); "$@" holds --task,
                     --children and --seed as tttd-generate would get them.
                     tttd's own policy is then neither sampled nor trained
  --bench-cmd c      the bench is the shell command c: it reads compiled
                     candidates on stdin and writes measured records; "$@"
                     holds the options tttd-bench would get, so
                     'nice "$TTTD_BIN/tttd-bench" "$@"' wraps it.  Both
                     commands see TTTD_BIN (the tools' folder), TTTD_TASK,
                     TTTD_RUN, TTTD_STEP and TTTD_SEED in their environment
  --progress         the live benchmark line (\r) on stderr even off a terminal;
                     one plain line per step is always printed (not with -q)
  --lm url           a language model writes the candidates: the OpenAI-compatible
                     completions server at url (docs/lm.md); it is trained through
                     the training service at --lm-trainer (default: url)
  --lm-model name    the base model's name on the server (default 'default')
  --lm-trainer url   the training service (tttd's protocol, docs/lm.md)
  --lm-opt args      more options for tttd-generate --lm (one word list, e.g.
                     "--lm-max-tokens 4096 --lm-wrap chat.txt")
  --lm-train-opt a   more options for tttd-train --lm-trainer (e.g. "--lr 1e-4")
  --hardware text    the target hardware as the prompt names it (default: the
                     GPU's name, or the CPU's for a CPU task)
  -q                 errors only
  -h, --help         this help
  -V, --version      the version

Results: <run>/best/ holds the best kernel's source, record.json and report.md;
<run>/report.html, summary.json and best-so-far.svg show how the run went
(tttd-report).  Step lines also go to <run>/log/progress; man tttd-discover
(FILES) describes the whole layout.
USAGE
}

die() { echo "tttd-discover: $*" >&2; exit 1; }
usage_die() { echo "tttd-discover: $*" >&2; usage | sed '/^$/q' | sed '$d' >&2; echo "Try 'tttd-discover --help' for more information." >&2; exit 2; }
say() { [ "$quiet" = 1 ] || echo "tttd-discover: $*" >&2; }

# The tools are called beside this script, never looked up in PATH: an
# installed pipeline sits in one bin/ with them (tttd-discover), a
# checkout's pipelines/ is next to bin/.  Paths the user gives (--run,
# --task, --cache) stay relative to the caller's directory.
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bindir=$here
[ -x "$bindir/tttd-select" ] || bindir=$(cd "$here/../bin" 2>/dev/null && pwd) || bindir=$here
fanout=$here/tttd-fanout
[ -x "$fanout" ] || fanout=$here/tttd-fanout.sh
tttd-select() { "$bindir/tttd-select" "$@"; }
tttd-generate() { "$bindir/tttd-generate" "$@"; }
tttd-screen() { "$bindir/tttd-screen" "$@"; }
tttd-mutate() { "$bindir/tttd-mutate" "$@"; }
tttd-compile() { "$bindir/tttd-compile" "$@"; }
tttd-bench() { "$bindir/tttd-bench" "$@"; }
tttd-score() { "$bindir/tttd-score" "$@"; }
tttd-train() { "$bindir/tttd-train" "$@"; }
tttd-cat() { "$bindir/tttd-cat" "$@"; }
tttd-render() { "$bindir/tttd-render" "$@"; }
tttd-report() { "$bindir/tttd-report" "$@"; }
tttd-results() { "$bindir/tttd-results" "$@"; }

run='' task='' arch='' backend=auto gpus=1 steps='' candidates='' max_time='' groups='' children='' seed=1 proposals=64 paper=0 stop_ns='' recombine=0.3 explore=0 local_moves=1 finalists='' objective=auto
jobs=$(nproc 2>/dev/null || echo 2) device=0 timeout=10 estimator=entropic
uniform=0 notrain=0 noselect=0 ga=0 nobest=0 quiet=0 force_progress=0 cache='' shape='' results='' noresults=0
lm='' lm_model=default lm_trainer='' lm_opt='' lm_train_opt='' hardware=''
generate_cmd='' bench_cmd_user=''
bench_time=1 # seconds of timed repetitions per candidate at most
need_arg() { [ $# -ge 2 ] || usage_die "option '$1' needs an argument"; }
isnum() { [[ $2 =~ ^[0-9]+$ ]] || usage_die "invalid number '$2' for $1"; }
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-V | --version) echo "tttd-discover 0.1.0"; exit 0 ;;
	-q) quiet=1 ;;
	--run) need_arg "$@"; run=$2; shift ;;
	--task) need_arg "$@"; task=$2; shift ;;
	--backend) need_arg "$@"; backend=$2; shift
		case $backend in cpu | cuda | auto) ;; *) usage_die "invalid value '$backend' for --backend" ;; esac ;;
	--steps) need_arg "$@"; isnum "$1" "$2"; steps=$2; shift ;;
	--candidates) need_arg "$@"; isnum "$1" "$2"; candidates=$2; shift ;;
	--time) need_arg "$@"; isnum "$1" "$2"; max_time=$2; shift ;;
	--groups) need_arg "$@"; isnum "$1" "$2"; groups=$2; shift ;;
	--children) need_arg "$@"; isnum "$1" "$2"; children=$2; shift ;;
	--seed) need_arg "$@"; isnum "$1" "$2"; seed=$2; shift ;;
	--jobs) need_arg "$@"; isnum "$1" "$2"; jobs=$2; shift ;;
	--device) need_arg "$@"; isnum "$1" "$2"; device=$2; shift ;;
	--gpus) need_arg "$@"; isnum "$1" "$2"; gpus=$2; shift ;;
	--arch) need_arg "$@"; arch=$2; shift ;;
	--timeout) need_arg "$@"; isnum "$1" "$2"; timeout=$2; shift ;;
	--estimator) need_arg "$@"; estimator=$2; shift
		case $estimator in entropic | mean) ;; *) usage_die "invalid value '$estimator' for --estimator" ;; esac ;;
	--uniform) uniform=1 ;;
	--no-train) notrain=1 ;;
	--no-select) noselect=1 ;;
	--ga) ga=1 ;;
	--paper) paper=1 ;;
	--proposals) need_arg "$@"; isnum "$1" "$2"; proposals=$2; shift ;;
	--explore) need_arg "$@"; isnum "$1" "$2"; explore=$2; shift ;;
	--local) need_arg "$@"; [[ $2 =~ ^[0-9]+$ ]] || usage_die "invalid number '$2' for $1"; local_moves=$2; shift ;;
	--recombine) need_arg "$@"; [[ $2 =~ ^(0(\.[0-9]+)?|1(\.0*)?)$ ]] || usage_die "invalid probability '$2' for $1"; recombine=$2; shift ;;
	--stop-ns) need_arg "$@"; [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_die "invalid number '$2' for $1"; stop_ns=$2; shift ;;
	--progress) force_progress=1 ;;
	--bench-time) need_arg "$@"; [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_die "invalid number '$2' for $1"; bench_time=$2; shift ;;
	--no-best) nobest=1 ;;
	--finalists) need_arg "$@"; isnum "$1" "$2"; finalists=$2; shift ;;
	--objective) need_arg "$@"; objective=$2; shift
		case $objective in auto | time | baseline) ;; *) usage_die "invalid value '$objective' for --objective" ;; esac ;;
	--cache) need_arg "$@"; cache=$2; shift ;;
	--shape) need_arg "$@"; [[ $2 =~ ^[0-9]+(x[0-9]+)*(,[0-9]+(x[0-9]+)*)*$ ]] ||
		usage_die "invalid shape '$2' for --shape (dims joined by x, shapes by commas)"
		shape=$2; shift ;;
	--results) need_arg "$@"; results=$2; shift ;;
	--no-results) noresults=1 ;;
	--lm) need_arg "$@"; lm=$2; shift ;;
	--lm-model) need_arg "$@"; lm_model=$2; shift ;;
	--lm-trainer) need_arg "$@"; lm_trainer=$2; shift ;;
	--lm-opt) need_arg "$@"; lm_opt=$2; shift ;;
	--lm-train-opt) need_arg "$@"; lm_train_opt=$2; shift ;;
	--hardware) need_arg "$@"; hardware=$2; shift ;;
	--generate-cmd) need_arg "$@"; generate_cmd=$2; shift ;;
	--bench-cmd) need_arg "$@"; bench_cmd_user=$2; shift ;;
	--) shift; break ;;
	-*) usage_die "unknown option '$1'" ;;
	*) usage_die "unexpected argument '$1'" ;;
	esac
	shift
done
# Screening (a value model keeps the most promising of the policy's
# proposals) is the default for a policy search; --paper, uniform search and
# the GA evaluate every child they draw.
screen=1
[ "$paper$uniform$ga" = 000 ] || screen=0
# (a language model's samples are the dear part of its step: not screened)
[ -z "${lm:-}" ] || screen=0
# (nor a command's: its children are its own choice)
[ -z "$generate_cmd" ] || screen=0
if [ "$screen" = 1 ]; then groups=${groups:-2} children=${children:-2}; else groups=${groups:-8} children=${children:-8}; fi
[ "$proposals" -ge 1 ] || usage_die "--proposals must be at least 1"
[ "$groups" -ge 1 ] || usage_die "--groups must be at least 1"
[ "$children" -ge 1 ] || usage_die "--children must be at least 1"
[ -z "$finalists" ] || [ "$finalists" -ge 1 ] || usage_die "--finalists must be at least 1"
[ "$ga" = 0 ] || [ "$uniform$notrain$noselect" = 000 ] || usage_die "--ga cannot be combined with --uniform, --no-train or --no-select"
if [ -n "$lm" ]; then
	[ "$ga$uniform" = 00 ] || usage_die "--lm cannot be combined with --ga or --uniform"
	lm_trainer=${lm_trainer:-$lm}
elif [ -n "$lm_trainer$lm_opt$lm_train_opt$hardware" ] || [ "$lm_model" != default ]; then
	usage_die "--lm-model, --lm-trainer, --lm-opt, --lm-train-opt and --hardware need --lm"
fi
if [ -n "$generate_cmd" ]; then
	[ "$ga$uniform" = 00 ] && [ -z "$lm" ] || usage_die "--generate-cmd cannot be combined with --ga, --uniform or --lm"
fi
[ -z "$bench_cmd_user" ] || [ "$gpus" = 1 ] || usage_die "--bench-cmd cannot be combined with --gpus"
for t in tttd-select tttd-generate tttd-render tttd-screen tttd-mutate tttd-compile tttd-bench tttd-score tttd-train tttd-cat tttd-report tttd-results; do
	[ -x "$bindir/$t" ] || die "cannot find '$t' in '$bindir' (run 'make' first)"
done
command -v jq >/dev/null || die "cannot find 'jq' (apt-get install jq)"

have_gpu() { [ "$backend" != cpu ] && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }
if [ -z "$task" ] && [ -n "$run" ] && [ -f "$run/config" ]; then
	task=$(sed -n 's/^task=//p' "$run/config")
fi
if [ -z "$task" ]; then
	if have_gpu; then task=gemm; else task=matmul; fi
fi
run=${run:-runs/$task}
# A task that does not load stops here, before a run directory names it.
err=$(tttd-select -q --task "$task" --groups 1 </dev/null 2>&1 >/dev/null) || die "${err#tttd-select: }"
if [ "$backend" = auto ]; then
	# auto follows the task's target (a CPU task runs on the CPU on a GPU
	# node too): the target of the root's first candidate, as tttd-generate
	# writes it.
	target=$(tttd-select -q --task "$task" --groups 1 </dev/null |
		tttd-generate -q --task "$task" --children 1 | tttd-cat | jq -r '.target // empty' | head -n 1)
	case $target in
	cpu | model) backend=cpu ;;
	cuda) have_gpu || die "task '$task' runs on a GPU (target cuda) and this machine has none (nvidia-smi -L finds no GPU)"
		backend=cuda ;;
	*) if have_gpu; then backend=cuda; else backend=cpu; fi ;;
	esac
fi
compile_opt=()
if [ "$backend" = cuda ]; then
	if [ -z "$arch" ]; then
		# NVRTC needs the target architecture; the "a" variants (sm_90a) unlock
		# Hopper-only instructions and are right when compiling for this very device.
		cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader -i "$device" 2>/dev/null | tr -d '. \r') || cc=
		[ -n "$cc" ] || die "cannot read the compute capability of GPU $device (use --arch)"
		if [ "$cc" -ge 90 ]; then arch=sm_${cc}a; else arch=sm_$cc; fi
	fi
	compile_opt=(--arch "$arch")
fi
# The objective: auto is the baseline's on the GPU where the task has one
# (tttd-select refuses the baseline objective for a task without), else
# time; a resumed run keeps the one it started with.
if [ "$objective" = auto ]; then
	if [ -f "$run/config" ]; then
		objective=$(sed -n 's/^objective=//p' "$run/config")
		objective=${objective:-time}
	elif [ "$backend" = cuda ] && tttd-select -q --task "$task" --objective baseline --groups 1 </dev/null >/dev/null 2>&1; then
		objective=baseline
	else
		objective='time' # (a word, not the command)
	fi
elif [ "$objective" = baseline ]; then
	err=$(tttd-select -q --task "$task" --objective baseline --groups 1 </dev/null 2>&1 >/dev/null) || die "${err#tttd-select: }"
fi
obj_opt=(--objective "$objective")
# The baseline objective's finalists: 8.  Its step measurements are short
# (at 0.5 s a candidate, 5 timed pairs at 4096^3 on the H200), so the
# archive's best ratios hold outliers; in a GEMM discovery the task's best
# configuration was 4th of the archive, and three finalists missed it.  The
# A/B of eight costs about 20 s there.
[ -n "$finalists" ] || finalists=$([ "$objective" = baseline ] && echo 8 || echo 3)
# (the baseline objective's ranks are ratios measured side by side)
paired_opt=()
[ "$objective" = baseline ] && paired_opt=(--paired)
cache=${cache:-$run/cache}
err=$(LC_ALL=C mkdir -p "$run/steps" "$run/policy" "$cache" "$run/log" "$run/best" 2>&1) ||
	die "cannot create the run directory '$run': $(head -n 1 <<<"${err#mkdir: }")"

# One process per run directory: a flock(1) on <run>/lock, held on fd 9 by
# this script and what it starts.  The kernel drops it when they are gone,
# so a killed run leaves no stale lock; the file names the holder for the
# message of the one kept out.
lock_run() {
	local holder pid
	command -v flock >/dev/null || die "cannot find 'flock' (apt-get install util-linux)"
	exec 9>>"$run/lock" || die "cannot open '$run/lock'"
	if ! flock -n 9; then
		holder=$(head -n 1 "$run/lock" 2>/dev/null) || holder=
		pid=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' <<<"$holder")
		if [ -n "$pid" ] && [[ $holder == *" on ${HOSTNAME:-$(uname -n)} "* ]] && ! kill -0 "$pid" 2>/dev/null; then
			holder="$holder, which has exited; a process it started still holds the lock (fuser -v $run/lock)"
		fi
		die "'$run' is in use by another tttd-discover (${holder:-holder unknown}); lock: $run/lock"
	fi
	# (a second open truncates: the inode, which is what is locked, stays the same)
	echo "pid $$ on ${HOSTNAME:-$(uname -n)} since $(date '+%Y-%m-%d %H:%M:%S %z')" >"$run/lock"
}
lock_run

# The run's identity is fixed by its first invocation; a resume must agree.
config="task=$task
seed=$seed
groups=$groups
children=$children
uniform=$uniform
notrain=$notrain
noselect=$noselect
estimator=$estimator"
# (only a GA run names its strategy, and only a run at the user's shapes
# its shape, so runs made before either option still resume)
[ "$ga" = 1 ] && config="$config
strategy=ga"
[ -n "$shape" ] && config="$config
shape=$shape"
# A language model's run names it and its options (not the URLs: a server may move).
[ -n "$lm" ] && config="$config
generator=lm
lm_model=$lm_model
lm_opt=$lm_opt
lm_train_opt=$lm_train_opt"
# (a command's run names no command: a script may move, as a server may)
[ -n "$generate_cmd" ] && config="$config
generator=cmd"
# (only a run ranked against the baseline names its objective: older runs resume)
[ "$objective" = baseline ] && config="$config
objective=baseline"
[ "$screen" = 1 ] && config="$config
screen=$proposals"
[ "$screen" = 1 ] && [ "$recombine" != 0.3 ] && config="$config
recombine=$recombine"
[ "$screen" = 1 ] && [ "$explore" != 0 ] && config="$config
explore=$explore"
[ "$screen" = 1 ] && [ "$local_moves" != 1 ] && config="$config
local=$local_moves"
if [ -f "$run/config" ]; then
	if [ "$(cat "$run/config")" != "$config" ]; then
		diff <(echo "$config") "$run/config" >&2 || true
		die "'$run' was started with other settings (see $run/config); use another --run"
	fi
	say "resuming '$run'"
else
	echo "$config" >"$run/config.tmp" && mv "$run/config.tmp" "$run/config"
fi

steps=${steps:-$([ -n "$candidates$max_time" ] && echo 1000000 || echo 8)}
start=$(date +%s)
# The bench's live \r line only on a terminal (or --progress); the step
# lines are plain lines, printed either way (batch logs get one per step).
progress_on=$force_progress
[ -t 2 ] && progress_on=1
[ "$quiet" = 1 ] && progress_on=0
shape_opt=()
[ -n "$shape" ] && shape_opt=(--shape "$shape")

stepname() { printf '%06d' "$1"; }
archive() { cat "$run"/steps/[0-9]*.mp 2>/dev/null || true; }
checkpoint_for() { # policy checkpoint written after step $1 (or nothing before step 0)
	if [ "$1" -ge 0 ]; then echo "$run/policy/$(stepname "$1").ckpt"; fi
}
# The last line a tool wrote to a step's log that names a tool: the cause, for the one-line error.
last_error() { grep '^tttd-[a-z]*: ' "$1" 2>/dev/null | grep -v ': [0-9]* \(parents\|candidates\) ' | tail -n 1 | cut -c1-300; }

train_step() { # $1 = step number
	local s prev out
	s=$(stepname "$1")
	out="$run/policy/$s.ckpt"
	[ -f "$out" ] && return 0
	if [ "$uniform" = 1 ] || [ "$notrain" = 1 ] || [ "$ga" = 1 ] || [ -n "$generate_cmd" ]; then
		# No learning: carry the previous checkpoint (or none) forward.
		prev=$(checkpoint_for $(($1 - 1)))
		if [ -n "$prev" ] && [ -f "$prev" ]; then cp "$prev" "$out.tmp" && mv "$out.tmp" "$out"; else : >"$out"; fi
		return 0
	fi
	prev=$(checkpoint_for $(($1 - 1)))
	local popt=()
	[ -n "$prev" ] && [ -s "$prev" ] && popt=(--policy "$prev")
	if [ -n "$lm" ]; then
		# shellcheck disable=SC2086 # --lm-train-opt is a word list
		tttd-train -q --lm-trainer "$lm_trainer" --lm-model "$lm_model" --seed "$seed" "${popt[@]}" $lm_train_opt \
			--save "$out" -o "$run/policy/$s.train" "$run/steps/$s.mp" 2>>"$run/log/$s.log" ||
			die "training failed at step $1: $(last_error "$run/log/$s.log") (see $run/log/$s.log)"
		return 0
	fi
	tttd-train -q --task "$task" --seed "$seed" "${popt[@]}" --save "$out" -o "$run/policy/$s.train" \
		"$run/steps/$s.mp" 2>>"$run/log/$s.log" || die "training failed at step $1 (see $run/log/$s.log)"
}

# The best of correct records (jq): the objective's, the fastest or the best
# against the baseline; with no baseline_ratio anywhere, the fastest.
best_jq='def best($obj): if $obj == "baseline" and any(.[]; .baseline_ratio)
	then map(select(.baseline_ratio)) | max_by(.baseline_ratio) else min_by(.time_ns) end;'
# The run's reference time is measured once: by the first step's tttd-bench,
# which every later step is told (--ref-ns), so all speed-ups of a run divide
# one number.  It is the first benchmarked candidate's ref_ns.
summary() { # prints: evaluated ok best_ns run_ref_ns best_evaluation best_baseline_ratio failures-by-kind
	archive | tttd-cat 2>/dev/null | jq -rs --arg obj "$objective" "$best_jq"'
		[.[] | select(.kind == "candidate")] as $c
		| [$c | to_entries[] | select(.value.status == "ok") | .value + {_at: (.key + 1)}] as $ok
		| ($ok | best($obj)) as $b
		| ([$c[] | select(.ref_ns) | .ref_ns] | first // 0) as $ref
		| [($c | length), ($ok | length),
		   (if $b then $b.time_ns else 0 end), $ref, (if $b then $b._at else 0 end),
		   (if $b then $b.baseline_ratio // 0 else 0 end),
		   ($c | map(select(.status != "ok") | .status) | group_by(.) | map("\(.[0])=\(length)") | join(","))]
		| @tsv'
}

# The one time format of tttd (tttd_format_ns): the same measurement reads the
# same in the step line, the bench line and the reports.
fmt_time() { awk -v ns="$1" 'BEGIN { if (ns >= 1e6) printf "%.3f ms", ns / 1e6; else if (ns >= 1e4) printf "%.1f us", ns / 1e3; else printf "%.2f us", ns / 1e3 }'; }

report_progress() { # $1 = steps done; sets evaluated and run_ref
	local ev ok best ref at ratio fails el
	IFS=$'\t' read -r ev ok best ref at ratio fails < <(summary)
	el=$(($(date +%s) - start))
	local line="step $1/$steps: $ev evaluated, $ok ok"
	[ -n "$fails" ] && line="$line, failed: $fails"
	if [ "${best%.*}" != 0 ] && [ -n "$best" ]; then
		line="$line; best $(fmt_time "$best")"
		[ "${ref%.*}" != 0 ] && line="$line, $(awk -v r="$ref" -v b="$best" 'BEGIN { printf "%.2fx", r / b }') the run's reference ($(fmt_time "$ref"))"
		[ "$objective" = baseline ] && line="$line, $(awk -v r="$ratio" 'BEGIN { printf "%.3fx", r }') the baseline measured beside it"
		line="$line, found at evaluation $at"
	fi
	line="$line; ${el}s elapsed"
	[ -n "$max_time" ] && line="$line, $((max_time - el > 0 ? max_time - el : 0))s left"
	# One plain line per step on stderr, batch log or terminal alike, and in log/progress.
	echo "tttd-discover: $line" >>"$run/log/progress"
	[ "$quiet" = 1 ] || echo "tttd-discover: $line" >&2
	evaluated=$ev
	best_ns=$best
	[ "${ref%.*}" != 0 ] && run_ref=$ref
	return 0
}

# On resume, before trusting what an earlier invocation left: a killed
# writer's temporaries go; a damaged step file or checkpoint is named (path,
# step, byte offset) and repaired, or the message says what to move away.
warn() { echo "tttd-discover: warning: $*" >&2; }
repair_run() {
	local n=0 k j s f err what at rec kept ck lastk
	rm -f "$run"/steps/*.tmp "$run"/policy/*.tmp "$run"/best/*.tmp "$run/config.tmp"
	while [ -f "$run/steps/$(stepname "$n").mp" ]; do n=$((n + 1)); done
	# (a step that completed but was killed before its cleanup: its in-progress files are stale)
	for ((k = 0; k < n; k++)); do
		s=$(stepname "$k")
		rm -f "$run/steps/$s.partial" "$run/steps/$s.partial.prev" "$run/steps/$s.compiled" "$run/steps/$s.cands"
	done
	for ((k = 0; k < n; k++)); do
		s=$(stepname "$k") f="$run/steps/$s.mp"
		# (an empty file is damaged too: a step always has records, failures included)
		if [ ! -s "$f" ]; then err="'$f': truncated record 0 at byte 0 (empty)"; else err=$(tttd-cat "$f" 2>&1 >/dev/null) && continue; fi
		# tttd-cat: "'FILE': truncated record R at byte B" (or "corrupt record R at byte B: why")
		what=${err#*"': "}
		rec=$(sed -n 's/.* record \([0-9]*\) at byte .*/\1/p' <<<"$err")
		at=$(sed -n 's/.* at byte \([0-9]*\).*/\1/p' <<<"$err")
		kept=${rec:-0}
		if [ "$k" = $((n - 1)) ]; then
			# The last step: redone, its complete records kept (not re-measured).
			cp "$f" "$f.damaged"
			mv "$f" "$run/steps/$s.partial"
			rm -f "$run/policy/$s.ckpt" "$run/policy/$s.train"
			warn "step $k: '$f' is damaged at byte ${at:-?} ($what): redoing step $k with its $kept complete records kept (the damaged file is kept as $f.damaged)"
			n=$k
			break
		fi
		# A step that later steps build on: keep its complete records if no
		# later candidate's parent is among the lost ones (tttd-select checks).
		tttd-cat "$f" 2>/dev/null | tttd-cat -j -o "$f.salvaged" 2>/dev/null || true
		if [ -f "$f.salvaged" ] &&
			{ for ((j = 0; j < n; j++)); do
				if [ "$j" = "$k" ]; then cat "$f.salvaged"; else cat "$run/steps/$(stepname "$j").mp"; fi
			done; } | tttd-select -q --task "$task" "${obj_opt[@]}" --groups 1 >/dev/null 2>&1; then
			mv "$f" "$f.damaged"
			mv "$f.salvaged" "$f"
			warn "step $k: '$f' is damaged at byte ${at:-?} ($what): kept its $kept complete records, the rest are lost (no later step builds on them; the damaged file is kept as $f.damaged)"
			continue
		fi
		rm -f "$f.salvaged"
		lastk=$(stepname $((n - 1)))
		die "step $k: '$f' is damaged at byte ${at:-?} ($what), and later steps build on the records lost; to redo the run from step $k, move away steps/$s.mp to steps/$lastk.mp and policy/$s.ckpt to policy/$lastk.ckpt (the steps before are kept)"
	done
	# The checkpoint the next step starts from must load; a damaged one is
	# trained again from the one before (walking back until one loads).
	for ((k = n - 1; k >= 0; k--)); do
		ck="$run/policy/$(stepname "$k").ckpt"
		[ -f "$ck" ] || continue
		[ -s "$ck" ] || break # (no learning: an empty checkpoint is the initial policy)
		if err=$(tttd-cat "$ck" 2>&1 >/dev/null) && { [ -n "$lm" ] ||
			err=$(tttd-generate -q --task "$task" --policy "$ck" </dev/null 2>&1 >/dev/null); }; then
			break
		fi
		mv "$ck" "$ck.damaged"
		rm -f "$run/policy/$(stepname "$k").train"
		warn "step $k: checkpoint '$ck' is damaged (${err#tttd-*: }): trained again from step $k's records (the damaged file is kept as $ck.damaged)"
	done
}
repair_run

# A stage given as a command (--generate-cmd, --bench-cmd): bash runs it
# with the stage's usual options as "$@" and the run's facts in its
# environment; the tools' folder is TTTD_BIN, not put on PATH.
user_cmd() { # $1 = the command, $2 = its $0, then its arguments
	local c=$1
	shift
	TTTD_BIN=$bindir TTTD_TASK=$task TTTD_RUN=$run TTTD_STEP=${step:-} TTTD_SEED=$seed bash -c "$c" "$@"
}

evaluated=0 best_ns='' run_ref=''
step=0
while [ -f "$run/steps/$(stepname "$step").mp" ]; do
	train_step "$step"
	step=$((step + 1))
done
[ "$step" -gt 0 ] && report_progress "$step"

while [ "$step" -lt "$steps" ]; do
	if [ -n "$candidates" ] && [ "$evaluated" -ge "$candidates" ]; then break; fi
	if [ -n "$max_time" ] && [ $(($(date +%s) - start)) -ge "$max_time" ]; then break; fi
	if [ -n "$stop_ns" ] && awk -v b="${best_ns:-0}" -v t="$stop_ns" 'BEGIN { exit !(b > 0 && b <= t * (1 + 1e-9)) }'; then break; fi
	s=$(stepname "$step")
	log="$run/log/$s.log"
	partial="$run/steps/$s.partial"
	done_opt=()
	if [ -s "$partial" ] || [ -s "$partial.prev" ]; then
		# Keep every complete record of the interrupted attempt, and of the one
		# before when that was a resume killed early (its .prev: the new
		# partial had not got them all yet); a torn last record is dropped.
		tttd-cat -j -o "$partial.keep" < <({ [ ! -s "$partial.prev" ] || tttd-cat "$partial.prev"
			[ ! -s "$partial" ] || tttd-cat "$partial"; } 2>>"$log" | awk '!seen[$0]++' || true) 2>>"$log" || true
		[ ! -f "$partial.keep" ] || mv "$partial.keep" "$partial.prev"
		rm -f "$partial"
		[ -s "$partial.prev" ] && done_opt=(--done "$partial.prev")
		say "step $step: resuming with $(tttd-cat "$partial.prev" 2>/dev/null | wc -l) benchmarked candidates kept"
	fi
	policy_opt=()
	prev=$(checkpoint_for $((step - 1)))
	[ -n "$prev" ] && [ -s "$prev" ] && policy_opt=(--policy "$prev")
	[ "$uniform" = 1 ] && policy_opt=(--uniform)
	# The bench's own progress line goes to the terminal, not the step log.
	# One tttd-bench, or one per GPU through tttd-fanout (same records, input order).
	bench_cmd=(tttd-bench --device "$device")
	[ "$gpus" -gt 1 ] && bench_cmd=("$fanout" --gpus "$gpus")
	[ -n "$bench_cmd_user" ] && bench_cmd=(user_cmd "$bench_cmd_user" tttd-bench --device "$device")
	# The bench's stderr: the step log, or with the live line our own stderr,
	# shared through fd 4 (a dup, not a reopen of /dev/stderr, which would
	# write at its own offset into a file the caller opened with 2>).
	bench_ui=(-q)
	exec 4>>"$log"
	if [ "$progress_on" = 1 ]; then bench_ui=(-q --progress) && exec 4>&2; fi
	ref_opt=()
	[ -n "$run_ref" ] && ref_opt=(--ref-ns "$run_ref")
	select_in=(archive) select_how=(--groups "$groups" --step "$step")
	[ "$noselect" = 1 ] && select_in=(true)
	vary=(tttd-generate --task "$task" --children "$children" --seed "$seed" "${policy_opt[@]}")
	screen_cmd=(cat)
	if [ "$screen" = 1 ]; then
		# The policy proposes --proposals children per parent; a value model
		# fitted to the whole archive keeps the groups x --children most
		# promising of the whole pool, --local of them local moves.
		vary=(tttd-generate --task "$task" --children "$proposals" --seed "$seed" "${policy_opt[@]}")
		screen_cmd=(tttd-screen -q --task "$task" "${obj_opt[@]}" --keep "$children" --recombine "$recombine" --explore "$explore"
			--seed "$((seed * 1000003 + step))" --local "$local_moves")
		for f in "$run"/steps/[0-9]*.mp; do [ -f "$f" ] && screen_cmd+=(--archive "$f"); done
	fi
	if [ "$ga" = 1 ]; then
		# The population is the archive's best (truncation selection); a
		# first step draws it from the roots, i.e. uniformly.
		[ "$step" -gt 0 ] && select_how=(--best "$groups")
		vary=(tttd-mutate --task "$task" --children "$children" --seed "$seed" --step "$step")
	fi
	if [ -n "$lm" ]; then
		# shellcheck disable=SC2086,SC2206 # --lm-opt is a word list
		vary=(tttd-generate --task "$task" --children "$children" --seed "$seed" "${policy_opt[@]}"
			--lm "$lm" --lm-model "$lm_model" $lm_opt)
		if [ -n "$hardware" ]; then
			vary+=(--hardware "$hardware")
		elif [ "$backend" = cuda ]; then
			vary+=(--hardware "$(nvidia-smi --query-gpu=name --format=csv,noheader -i "$device" 2>/dev/null | head -n 1)")
		fi
	fi
	(
		"${select_in[@]}" | tttd-select --task "$task" "${obj_opt[@]}" "${select_how[@]}"
	) 2>>"$log" >"$run/steps/$s.parents" || die "selection failed at step $step: $(last_error "$log") (see $log)"
	gen=("${vary[@]}" "$run/steps/$s.parents")
	if [ -n "$lm" ]; then
		# A model's samples are the dear part of a step and may not come back
		# the same: keep them, so that a resumed step benches these very ones.
		if [ ! -s "$run/steps/$s.cands" ]; then
			"${gen[@]}" -o "$run/steps/$s.cands" 2>>"$log" ||
				die "sampling failed at step $step: $(last_error "$log") (see $log)"
		fi
		gen=(cat "$run/steps/$s.cands")
	fi
	if [ -n "$generate_cmd" ]; then
		# The command's candidates, rendered, are kept like a model's: a
		# resumed step benches these very ones, whatever the command draws.
		if [ ! -s "$run/steps/$s.cands" ]; then
			user_cmd "$generate_cmd" tttd-generate --task "$task" --children "$children" --seed "$seed" \
				<"$run/steps/$s.parents" 2>>"$log" |
				tttd-render -q --task "$task" --parents "$run/steps/$s.parents" 2>>"$log" >"$run/steps/$s.cands.tmp" ||
				die "the generator failed at step $step: $(last_error "$log") (see $log)"
			mv "$run/steps/$s.cands.tmp" "$run/steps/$s.cands"
		fi
		gen=(cat "$run/steps/$s.cands")
	fi
	make_candidates() {
		"${gen[@]}" 2>>"$log" |
			"${screen_cmd[@]}" 2>>"$log" |
			tttd-compile -q -j "$jobs" --cache "$cache" "${compile_opt[@]}" 2>>"$log"
	}
	candidates_in=(make_candidates)
	if [ "$backend" = cpu ]; then
		# On the CPU the compiles would share the cores with the timing (and
		# with the reference's): the step's compiles finish first.
		make_candidates >"$run/steps/$s.compiled" || die "step $step failed: $(last_error "$log") (see $log)"
		candidates_in=(cat "$run/steps/$s.compiled")
	fi
	"${candidates_in[@]}" |
		"${bench_cmd[@]}" "${bench_ui[@]}" --task "$task" --backend "$backend" --seed "$seed" --timeout "$timeout" \
			--max-time "$bench_time" "${paired_opt[@]}" "${shape_opt[@]}" "${ref_opt[@]}" "${done_opt[@]}" 2>&4 |
		tee "$partial" |
		tttd-score -q --task "$task" --estimator "$estimator" "${obj_opt[@]}" -o "$run/steps/$s.scored" 2>>"$log" ||
		die "step $step failed: $(last_error "$log") (see $log)"
	# Only a pipeline that succeeded as a whole completes the step: had any
	# stage died early, tttd-score would have scored a short batch.
	mv "$run/steps/$s.scored" "$run/steps/$s.mp"
	rm -f "$partial" "$partial.prev" "$run/steps/$s.cands" "$run/steps/$s.compiled"
	train_step "$step"
	step=$((step + 1))
	report_progress "$step"
done

[ "$nobest" = 1 ] && exit 0

# The best kernel: re-measure the top candidates side by side with the
# reference (one tttd-bench run, more repetitions) before reporting.
best="$run/best"
# The archive's records are already benchmarked: without the keys the schema
# gives to tttd-bench and tttd-score, and set back to "generated", so
# tttd-compile and tttd-bench measure them again.
archive | tttd-select --best "$finalists" --task "$task" "${obj_opt[@]}" 2>>"$run/log/best.log" | tttd-cat --strip bench,score |
	jq -c '.status = "generated" | del(.reason)' |
	tttd-cat -j 2>>"$run/log/best.log" |
	tttd-compile -q --cache "$cache" "${compile_opt[@]}" 2>>"$run/log/best.log" >"$best/confirm.compiled" ||
	die "re-measuring the best failed (see $run/log/best.log)"
# (compiled first, as in the steps: nothing else runs while the A/B is timed)
final_bench=(tttd-bench)
[ -n "$bench_cmd_user" ] && final_bench=(user_cmd "$bench_cmd_user" tttd-bench)
"${final_bench[@]}" -q --task "$task" --backend "$backend" --device "$device" --seed "$((seed + 7919))" --timeout "$timeout" \
	--min-reps 20 --rse 0.005 --paired "${shape_opt[@]}" <"$best/confirm.compiled" 2>>"$run/log/best.log" |
	tttd-cat 2>>"$run/log/best.log" >"$best/confirm.jsonl" || die "re-measuring the best failed (see $run/log/best.log)"
rm -f "$best/confirm.compiled"
# The A/B's best: the fastest, or with the baseline objective the best
# baseline_ratio (each finalist beside its own baseline calls: its raw time
# depends on the clocks of its moment, which moved 5% within one A/B).
jq -s --arg obj "$objective" "$best_jq"'map(select(.status == "ok")) | best($obj)' \
	"$best/confirm.jsonl" >"$best/record.json.tmp"
if [ "$(cat "$best/record.json.tmp")" = null ]; then
	rm -f "$best/record.json.tmp"
	die "no correct candidate yet in '$run'"
fi
mv "$best/record.json.tmp" "$best/record.json"
ext=c
[ "$(jq -r .target "$best/record.json")" = cuda ] && ext=cu
jq -r .source "$best/record.json" >"$best/kernel.$ext"
# The machine that did the A/B, then the run's summary, plot, page and report.md.
tttd-report -q --env "$best/environment.json" --device "$device" 2>>"$run/log/best.log" ||
	die "cannot probe the machine (see $run/log/best.log)"
tttd-report -q "$run" 2>>"$run/log/best.log" || die "cannot write the report (see $run/log/best.log)"
if [ "$noresults" = 0 ]; then
	# The index is a convenience: a run whose index cannot be written still succeeded.
	tttd-results -q ${results:+--db "$results"} add "$run" 2>>"$run/log/best.log" ||
		say "warning: could not add the best to the results index (see $run/log/best.log)"
fi
if [ "$quiet" != 1 ]; then
	sp=$(jq -r '.speedup * 100 | round / 100' "$best/record.json")
	bt=$(jq -r '.time_ns' "$best/record.json")
	rt=$(jq -r '.ref_ns' "$best/record.json")
	echo "tttd-discover: best $(fmt_time "$bt"), re-measured beside the reference ($(fmt_time "$rt")): ${sp}x; report in $best/report.md, page in $run/report.html" >&2
fi
