# --init-from: a new run starts from another run's trained weights (all of
# them for the same decision space), its initial policy is that start, and
# a table checkpoint is refused.
task=$TTTD_TOP/kernels/matmul
echo '{"kind":"parent","id":"r0","task":"'"$task"'","step":0,"rank":0,"root":true}' | tttd-cat -j >root.mp
tttd-generate -q --children 4 root.mp | tttd-cat |
	jq -c 'if input_line_number == 1 then . + {advantage: 1} else . + {advantage: -0.3} end' |
	tttd-cat -j >scored.mp
tttd-train -q --task "$task" --save a.ckpt scored.mp >/dev/null
tttd-train -v -v --task "$task" --seed 5 --init-from a.ckpt --save b.ckpt scored.mp 2>&1 >/dev/null |
	grep 'warm start'
tttd-cat a.ckpt b.ckpt | jq -s -c '[.[0].params == .[1].init, .[1].steps]'
tttd-generate -q --children 2 --init-from a.ckpt root.mp | tttd-cat | jq -c '.policy'
tttd-train -q --task "$task" --policy-kind table --save t.ckpt scored.mp >/dev/null
tttd-train -q --task "$task" --init-from t.ckpt --save c.ckpt scored.mp
echo "exit $?"
