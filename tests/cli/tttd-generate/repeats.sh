# A child equal to its parent or to an earlier sibling is drawn again: a
# small space (synthetic: 6 decisions) and 40 children of one parent give 40
# distinct children, none the parent; with --repeats some repeat (the
# initial prior copies the whole parent with probability about 0.18).
t=$TTTD_TOP/tests/data/tasks/synthetic
echo '{"kind":"parent","id":"p","task":"'"$t"'","step":1,"rank":0,"decisions":{"A":"5","B":"2","C":"6","D":"1","E":"3","F":"4"}}' |
	tttd-cat -j >p.mp
count() { tttd-cat | jq -r '.decisions | [.A,.B,.C,.D,.E,.F] | join("")' | sort | uniq -c | awk '
	$2 == "526134" { par += $1 } { n += $1; k++ } END { printf "%d children, %d distinct, %d equal to the parent\n", n, k, par }'; }
tttd-generate -q --children 40 --seed 1 p.mp | count
tttd-generate -q --children 40 --seed 1 --repeats p.mp | count
