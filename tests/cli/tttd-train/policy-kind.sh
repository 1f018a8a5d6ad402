# --policy-kind picks the initial policy; a bad kind is a usage error.
task=$TTTD_TOP/kernels/matmul
echo '{"kind":"parent","id":"r0","task":"'"$task"'","step":0,"rank":0,"root":true}' | tttd-cat -j >root.mp
tttd-generate -q --children 2 root.mp | tttd-cat | jq -c '. + {advantage: 1}' | tttd-cat -j >scored.mp
tttd-train -q --task "$task" --policy-kind table --save t.ckpt scored.mp >/dev/null
tttd-cat t.ckpt | jq -c '[.policy, .format, has("layers")]'
tttd-train -q --task "$task" --save m.ckpt scored.mp >/dev/null
tttd-cat m.ckpt | jq -c '[.policy, .format, (.layers | length), .layers[1:3]]'
tttd-train -q --task "$task" --policy-kind uniform --save u.ckpt scored.mp
echo "exit $?"
