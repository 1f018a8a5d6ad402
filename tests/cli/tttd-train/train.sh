# One step from the initial policy: a summary record, a checkpoint that
# tttd-generate can sample from, and a second step resumed from it.
task=$TTTD_TOP/kernels/matmul
echo '{"kind":"parent","id":"r0","task":"'"$task"'","step":4,"rank":0,"root":true}' | tttd-cat -j >root.mp
# advantages: +1 for the first child, -1 for the second, none (a dropped group) for the rest
tttd-generate -q --children 4 root.mp | tttd-cat |
	jq -c 'if input_line_number == 1 then . + {advantage: 1} elif input_line_number == 2 then . + {advantage: -1} else . end' |
	tttd-cat -j >scored.mp
tttd-train -q --task "$task" --policy run.ckpt scored.mp | tttd-cat |
	jq -c '[keys_unsorted, .kind, .task, .step, .trained, .mean_advantage, .kl, .checkpoint, (.entropy > 0)]'
test -f run.ckpt && test ! -e run.ckpt.tmp && echo "checkpoint written"
tttd-cat run.ckpt | jq -c '[.kind, .format, .policy, .task, .steps]'
tttd-generate -q --children 1 --policy run.ckpt root.mp | tttd-cat | jq '.policy | test("^[0-9a-f]{32}$")'
tttd-train -q --task "$task" --policy run.ckpt --save next.ckpt scored.mp | tttd-cat | jq -c '[.trained, .checkpoint, (.kl > 0)]'
tttd-cat next.ckpt | jq .steps
# a checkpoint of another decision space is refused
echo '{"kind":"candidate","task":"matmul","decisions":{},"parent_decisions":{},"advantage":1}' | tttd-cat -j >other.mp
tttd-cat next.ckpt | jq -c '.decision_sizes[0] += 1' | tttd-cat -j >bad.ckpt
tttd-train -q --task "$task" --policy bad.ckpt other.mp
echo "exit $?"
