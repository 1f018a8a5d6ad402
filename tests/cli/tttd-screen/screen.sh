# Screening on the synthetic task: an archive of 12 measured candidates (one
# failing), 64 proposals in two groups.  It keeps --keep per group, never a
# choice the archive holds, best expected improvement first; recombined
# siblings and uniform draws are marked and have no logp; the same bytes for
# the same seed.
T=$TTTD_TOP/tests/data/tasks/synthetic
printf '%s\n' '{"kind":"parent","id":"p","step":1,"task":"synthetic","decisions":{"A":"3","B":"3","C":"3","D":"3","E":"3","F":"3"}}' \
	'{"kind":"parent","id":"q","step":1,"task":"synthetic","decisions":{"A":"6","B":"1","C":"6","D":"2","E":"2","F":"4"}}' |
	tttd-cat -j | tttd-generate -q --task "$T" --children 32 --seed 3 >props.mp
tttd-space -q --list "$T" | tttd-cat | awk 'NR % 21847 == 1' | tttd-cat -j | tttd-compile -q |
	tttd-bench -q --task "$T" --backend cpu 2>/dev/null >arch.mp
tttd-cat arch.mp | jq -r '.status' | sort | uniq -c
tttd-screen --task "$T" --keep 3 --seed 5 --archive arch.mp props.mp >a.mp
tttd-screen -q --task "$T" --keep 3 --seed 5 --archive arch.mp props.mp >b.mp
cmp a.mp b.mp && echo "same seed: same bytes"
tttd-cat a.mp | jq -r '"\(.group) \(.origin // "policy") \(has("logp"))"'
# nothing kept is in the archive
tttd-cat arch.mp a.mp | jq -s '[.[] | .decisions | tostring] | length - (unique | length)'
# without an archive, per group: the first 3 of each group, as drawn
tttd-screen -q --task "$T" --keep 3 --recombine 0 --per-group props.mp | tttd-cat | jq -r .id >first
tttd-cat props.mp | jq -r '.id' | awk 'NR <= 3 || (NR > 32 && NR <= 35)' | cmp - first && echo "no model: as drawn"
