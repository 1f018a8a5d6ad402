# Children of a non-root parent keep most of its decisions (the initial
# policy proposes mutations): on average between 0.5 and 2.5 change.
# --repeats: 200 first draws, as the prior gives them (without it, later
# children must differ from all earlier ones and stray further).
echo '{"kind":"parent","id":"r0","task":"'"$TTTD_TOP"'/kernels/matmul","step":0,"rank":0}' |
	tttd-cat -j | tttd-generate -q --children 1 --seed 3 | tttd-cat |
	jq -c '{kind:"parent",id:.id,task:"'"$TTTD_TOP"'/kernels/matmul",step:1,rank:0,decisions:.decisions}' |
	tttd-cat -j >p.mp
tttd-generate -q --repeats --children 200 p.mp | tttd-cat |
	jq -s '[.[] | . as $c | [.decisions | to_entries[] | select($c.parent_decisions[.key] != .value)] | length] | add / length | . > 0.5 and . < 2.5'
