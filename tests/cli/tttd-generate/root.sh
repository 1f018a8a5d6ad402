# Children of a root: the candidate keys, the group, an empty parent_decisions,
# a complete decisions map and feasible-by-construction ids of 32 hex digits.
echo '{"kind":"parent","id":"r0","task":"'"$TTTD_TOP"'/kernels/matmul","step":2,"rank":0,"root":true}' |
	tttd-cat -j >root.mp
tttd-generate -q --children 3 --seed 7 root.mp >c.mp
tttd-cat c.mp | jq -c '[keys_unsorted, .kind, .task, .step, .parent, .group, .policy, .status, .seed,
	.parent_decisions, (.id | test("^[0-9a-f]{32}$")), (.logp < 0), (.source | length > 0)]'
ndec=$(grep -c '^decision ' "$TTTD_TOP/kernels/matmul/task")
tttd-cat c.mp | jq --argjson n "$ndec" '.decisions | length == $n'
