# Both searches on the synthetic task: --budget records, steps 0..n-1, no
# choice asked twice, the same bytes for the same seed; hill climbing reaches
# the optimum (1000 ns) within 512 evaluations on this seed.
T=$TTTD_TOP/tests/data/tasks/synthetic
for m in climb anneal; do
	tttd-localsearch -q --method $m --seed 2 --budget 512 "$T" >a.mp
	tttd-localsearch -q --method $m --seed 2 --budget 512 "$T" >b.mp
	cmp a.mp b.mp && echo "$m: same seed, same bytes"
	tttd-cat a.mp | jq -s '[length, (map(.step) == [range(0; length)]), (map(.decisions | tostring) | unique | length), (map(select(.status == "ok") | .time_ns) | min | round)]' -c
done
tttd-localsearch --budget 5 --seed 1 "$T" | tttd-cat | jq -r '"\(.status) \(.policy)"'
