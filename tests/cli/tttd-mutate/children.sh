# Children of candidates: the next step, group per member, feasible, never a
# copy of the member, and the same bytes for the same seed.
T=$TTTD_TOP/tests/data/tasks/synthetic
printf '%s\n' '{"kind":"candidate","id":"a","step":3,"decisions":{"A":"5","B":"2","C":"6","D":"1","E":"3","F":"4"}}' \
	'{"kind":"candidate","id":"b","step":2,"decisions":{"A":"0","B":"7","C":"0","D":"7","E":"0","F":"0"}}' |
	tttd-cat -j >pop.mp
tttd-mutate -q --task "$T" --children 50 --seed 4 pop.mp >a.mp
tttd-mutate -q --task "$T" --children 50 --seed 4 pop.mp >b.mp
cmp a.mp b.mp && echo "same seed: same bytes"
tttd-cat a.mp | jq -r '"\(.step) \(.group) \(.policy) \(.status)"' | sort | uniq -c
tttd-cat a.mp | jq -s 'map(select(.decisions == .parent_decisions)) | length'
# A=0 with B=0 is allowed (it fails the check, not a constraint); all 6 decisions are set.
tttd-cat a.mp | jq -s 'map(.decisions | length) | unique'
# Crossover happens: some children of "a" take a decision only "b" has (A=0 with C=0).
tttd-cat a.mp | jq -s 'map(select(.parent == "a" and .decisions.C == "0" and .decisions.D == "7")) | length > 0'
