# shellcheck shell=bash
# bench/lib/model-task.sh - sourced by bench/gemm-landscape.sh and
# bench/space-sweep.sh, which both turn a real task into a model task (a
# space to list, or a replay of measured times): what every such task
# shares, so the two cannot drift apart.

# model_task_lines TASKDIR: a model task's fixed lines (one dummy shape and
# buffer, a template kernel.txt), then TASKDIR's reward, decisions and
# constraints.
model_task_lines() {
	printf '%s\n' "target model" "template kernel.txt" "dims N" "shape check 1" "shape bench 1" \
		"buffer y out f32 N" "tolerance rtol 0 atol 0"
	grep '^reward ' "$1/task" || true
	grep -E '^(decision|constraint) ' "$1/task"
}

# model_task_template NAME DECISION...: a kernel.txt whose rendering names
# every decision's value (so a rendered candidate says what it is).
model_task_template() {
	local name=$1 d
	shift
	printf '/* %s:' "$name"
	for d in "$@"; do printf ' %s={{%s}}' "$d" "$d"; done
	printf ' */\n'
}
