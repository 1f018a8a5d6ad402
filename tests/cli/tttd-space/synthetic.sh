# The synthetic task: 8^6 choices, A=0 with B=0 fails (8^4), one optimum of
# 1000 ns, so uniform search hits within 1% with p = 8^-6, median
# ceil(ln 2 / -ln(1 - p)) = 181705 draws; within 5%: 17 choices.
t=$TTTD_TOP/tests/data/tasks/synthetic
tttd-space -q "$t" | tttd-cat | jq -c '{feasible, ok, best_ns: (.best_ns | round), hits, median_draws}'
tttd-space -q --within 0.05 "$t" | tttd-cat | jq -c '{hits, median_draws}'
