# A root state has no decisions: its children are drawn uniformly, in its step.
echo '{"kind":"parent","id":"r0","step":0,"rank":0}' | tttd-cat -j |
	tttd-mutate -q --task "$TTTD_TOP/tests/data/tasks/synthetic" --children 4 --seed 1 | tttd-cat |
	jq -c '[.step, .group, .parent_decisions, (.decisions | length), (.id | test("^[0-9a-f]{32}$"))]'
