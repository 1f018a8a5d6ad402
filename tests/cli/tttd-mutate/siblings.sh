# A child equal to an earlier child of the same member is made again: the
# member -O2 4 fast has exactly five feasible neighbours, and five children
# are those five; --repeats keeps first draws, which repeat (same seed).
T=$TTTD_TOP/tests/data/tasks/ok_cpu
echo '{"kind":"candidate","id":"a","step":0,"decisions":{"OPT":"-O2","UNROLL":"4","MODE":"fast"}}' |
	tttd-cat -j >pop.mp
tttd-mutate -q --task "$T" --children 5 --seed 3 pop.mp | tttd-cat |
	jq -s -c 'map(.decisions | [.OPT, .UNROLL, .MODE] | join(" ")) | sort'
tttd-mutate -q --task "$T" --children 5 --seed 3 --repeats pop.mp | tttd-cat |
	jq -s 'map(.decisions) | unique | length < 5'
