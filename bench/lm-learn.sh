#!/usr/bin/env bash
# bench/lm-learn.sh - does test-time training of a language model pay on a task
# whose reward a small model can learn?  Runs tttd-discover with the model as
# the generator on kernels/loops, the same seeds trained and frozen
# (--no-train), each run with its own reference model service
# (containers/model-service) serving a tiny GPT-2 that this script makes:
# a tokenizer and a random model fitted for a while on the task's prompts
# paired with the six loop orders drawn uniformly (tests/lm/loops_corpus.py),
# so the untrained model writes every order about equally often, slow ones
# and fast ones, and sometimes a broken nest.  Nothing is downloaded.
#
#   bench/lm-learn.sh [--out dir] [--seeds n] [--steps n] [--groups g] [--children k]
#                     [--pretrain n] [--lr x] [--kl x] [--jobs n] [--device cpu|cuda]
#                     [--kill-test]
#
# Prints per step the mean reward over the seeds (failures count 0), trained
# and frozen, then per seed the mean reward of the last three steps, and
# writes them to <out>/summary.md.  --kill-test also kills one extra trained
# run with SIGKILL mid-run, runs the same command again and checks it
# resumes to the end.  Timings are the CPU's: a noisy machine makes noisy
# rewards, which is part of what the method has to live with.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$top/bin:$PATH"
out=lm-learn seeds=5 steps=8 groups=4 children=8 pretrain=300 lr=3e-3 kl=0.1 jobs=2 device=cpu kill=0
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift ;;
	--seeds) seeds=$2; shift ;;
	--steps) steps=$2; shift ;;
	--groups) groups=$2; shift ;;
	--children) children=$2; shift ;;
	--pretrain) pretrain=$2; shift ;;
	--lr) lr=$2; shift ;;
	--kl) kl=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	--device) device=$2; shift ;;
	--kill-test) kill=1 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "lm-learn.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
py=$("$top/tests/lm/python.sh")
svc=$top/containers/model-service
hw="a test CPU"

if [ ! -f "$out/model/config.json" ]; then
	"$py" "$top/tests/lm/loops_corpus.py" --out "$out/pairs.jsonl" --pairs 600 --hardware "$hw" \
		--task "$top/kernels/loops"
	"$py" "$svc/tiny.py" --out "$out/model.tmp" --corpus "$out/pairs.jsonl" --steps "$pretrain" \
		--threads "$(($(nproc) >= 8 ? 4 : 1))" \
		2>"$out/pretrain.log"
	rm -rf "$out/model" && mv "$out/model.tmp" "$out/model"
fi

# start_service DIR: a service on a free port for the run in DIR; sets svc_pid and port
start_service() {
	rm -f "$1/port"
	"$py" "$svc/server.py" --model "$out/model" --port 0 --port-file "$1/port" --adapters "$1/adapters" \
		--lora-rank 8 --device "$device" --threads 1 2>>"$1/service.log" &
	svc_pid=$!
	for _ in $(seq 600); do [ -s "$1/port" ] && break; sleep 0.2; done
	port=$(cat "$1/port")
}

# discover DIR SEED MODE: the discovery command of one run
discover() {
	local extra=()
	[ "$3" = frozen ] && extra=(--no-train)
	"$top/pipelines/tttd-discover.sh" -q --task "$top/kernels/loops" --run "$1/run" --seed "$2" \
		--steps "$steps" --groups "$groups" --children "$children" --jobs 1 --bench-time 0.2 --no-best \
		--lm "http://127.0.0.1:$port" --hardware "$hw" --lm-opt "--lm-max-tokens 64" \
		--lm-train-opt "--lr $lr --kl $kl" "${extra[@]}"
}

# run_one MODE SEED: one discovery with its own service
run_one() {
	local dir=$out/runs/$1-$2 rc=0
	mkdir -p "$dir"
	start_service "$dir"
	discover "$dir" "$2" "$1" 2>>"$dir/discover.log" || rc=$?
	kill "$svc_pid" 2>/dev/null || true
	wait "$svc_pid" 2>/dev/null || true
	# one line per finished run, as it finishes: a run cut short still shows what it had
	echo "lm-learn: $1-$2: mean reward per step: $(cat "$dir"/run/steps/[0-9]*.mp 2>/dev/null | tttd-cat |
		jq -rs 'map(select(.kind == "candidate")) | group_by(.step) | map(map(.reward // 0) | add / length * 1000 | round / 1000) | join(" ")')" >&2
	return $rc
}

kill_test() {
	# SIGKILL a trained run's whole pipeline mid-step, then the same command
	# again: it must resume and finish every step
	local dir=$out/runs/killed kp before after=-1
	rm -rf "$dir"
	mkdir -p "$dir"
	start_service "$dir"
	export -f discover
	export top steps groups children port hw lr kl
	setsid bash -c 'discover "$0" 1 trained' "$dir" 2>>"$dir/discover.log" &
	kp=$!
	for _ in $(seq 1500); do
		[ -f "$dir/run/steps/000001.mp" ] && break
		# a run that already failed has nothing to kill (once, every run
		# stopped at step 0 and this loop waited its whole 300 s)
		kill -0 "$kp" 2>/dev/null || {
			echo "kill -9 test: the run ended before step 1 was complete: $(tail -n 1 "$dir/discover.log")" |
				tee "$out/kill-test.txt"
			kill "$svc_pid" 2>/dev/null || true
			return 1
		}
		sleep 0.2
	done
	sleep 1.5
	kill -9 -- "-$kp" 2>/dev/null || true
	wait "$kp" 2>/dev/null || true
	before=$(ls "$dir"/run/steps/*.mp 2>/dev/null | wc -l)
	discover "$dir" 1 trained 2>>"$dir/discover.log" && after=$(ls "$dir"/run/steps/*.mp | wc -l)
	kill "$svc_pid" 2>/dev/null || true
	echo "kill -9 test: $before steps complete when the run was killed, $after of $steps after running it again" |
		tee "$out/kill-test.txt"
	[ "$after" = "$steps" ]
}

pids=()
[ "$kill" = 1 ] && { kill_test & pids+=($!); }
for s in $(seq 1 "$seeds"); do
	for mode in trained frozen; do
		run_one "$mode" "$s" &
		pids+=($!)
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.5; done
	done
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ "$fail" = 0 ] || echo "lm-learn.sh: a run failed (see $out/runs/*/discover.log)" >&2

# per run and step: mean reward (failures 0); per run: the last three steps' mean
for d in "$out"/runs/trained-* "$out"/runs/frozen-*; do
	[ -d "$d/run/steps" ] || continue
	cat "$d"/run/steps/[0-9]*.mp | tttd-cat |
		jq -r --arg r "$(basename "$d")" 'select(.kind == "candidate")
			| ([(.source // "") | scan("for \\(long ([ijk]) ") | .[0]] | join("")) as $order
			| [$r, .step, (.reward // 0), (if .status == "ok" then 1 else 0 end),
			   (if .status == "ok" and ($order == "ikj" or $order == "kij") then 1 else 0 end)] | @tsv'
done >"$out/rewards.tsv"
awk -F'\t' -v steps="$steps" '
{ split($1, a, "-"); mode = a[1]; seed = a[2]; k = mode SUBSEP $2; sum[k] += $3; n[k]++; okc[k] += $4; fast[k] += $5
  rk = $1 SUBSEP $2; rs[rk] += $3; rn[rk]++; rf[rk] += $5; runs[$1] = 1 }
END {
	printf "| step | trained: mean reward | frozen: mean reward | trained: share ok | frozen: share ok | trained: share fast | frozen: share fast |\n|---|---|---|---|---|---|---|\n"
	for (s = 0; s < steps; s++) {
		t = "trained" SUBSEP s; f = "frozen" SUBSEP s
		printf "| %d | %.4f | %.4f | %.2f | %.2f | %.2f | %.2f |\n", s, n[t] ? sum[t] / n[t] : 0, n[f] ? sum[f] / n[f] : 0,
			n[t] ? okc[t] / n[t] : 0, n[f] ? okc[f] / n[f] : 0, n[t] ? fast[t] / n[t] : 0, n[f] ? fast[f] / n[f] : 0
	}
	printf "\n| seed | trained: mean reward, last 3 steps | frozen | trained ahead | trained: share fast, last 3 steps | frozen |\n|---|---|---|---|---|---|\n"
	wins = 0; total = 0; fwins = 0
	for (r in runs) {
		split(r, a, "-"); if (a[1] != "trained") continue
		seed = a[2]; tt = 0; ff = 0; nt = 0; nf = 0; ft = 0; fq = 0
		for (s = steps - 3; s < steps; s++) {
			kt = "trained-" seed SUBSEP s; kf = "frozen-" seed SUBSEP s
			if (rn[kt]) { tt += rs[kt] / rn[kt]; ft += rf[kt] / rn[kt]; nt++ }
			if (rn[kf]) { ff += rs[kf] / rn[kf]; fq += rf[kf] / rn[kf]; nf++ }
		}
		tt = nt ? tt / nt : 0; ff = nf ? ff / nf : 0; ft = nt ? ft / nt : 0; fq = nf ? fq / nf : 0
		total++; if (tt > ff) wins++; if (ft > fq) fwins++
		line[seed] = sprintf("| %s | %.4f | %.4f | %s | %.2f | %.2f |", seed, tt, ff, tt > ff ? "yes" : "no", ft, fq)
	}
	for (s = 1; s <= total; s++) if (s in line) print line[s]
	printf "\ntrained ahead of frozen on %d of %d seeds by mean reward, on %d of %d by share of fast orders (ikj, kij)\n", wins, total, fwins, total
}' "$out/rewards.tsv" | tee "$out/summary.md"
exit $fail
