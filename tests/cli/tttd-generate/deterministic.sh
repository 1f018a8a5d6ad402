# Output is a pure function of the input and --seed.
printf '{"kind":"parent","id":"a","task":"%s","step":1,"rank":0}\n{"kind":"parent","id":"b","task":"%s","step":1,"rank":1}\n' \
	"$TTTD_TOP/kernels/matmul" "$TTTD_TOP/kernels/matmul" | tttd-cat -j >p.mp
tttd-generate -q --seed 5 p.mp >a.mp
tttd-generate -q --seed 5 p.mp >b.mp
tttd-generate -q --seed 6 p.mp >c.mp
cmp -s a.mp b.mp && echo "same seed: same bytes"
cmp -s a.mp c.mp || echo "other seed: other bytes"
tttd-cat a.mp | jq -r .group | uniq -c
tttd-generate -q --uniform --seed 5 p.mp | tttd-cat | jq -r .policy | uniq -c
