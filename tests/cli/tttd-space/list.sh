# --list: every feasible choice of a measured task as a candidate (6 of the
# 8 choices satisfy the constraint), in task order, step 0, ready for
# tttd-compile; the same list for a model task with a cost table, whose
# tttd-bench times are the table's rows (a 0 row and a missing row fail).
tttd-space -q --list "$TTTD_TOP/tests/data/tasks/ok_cpu" | tttd-cat |
	jq -c '[.kind, .status, .step, .group, (.decisions | [.OPT, .UNROLL, .MODE] | join(" "))]'
t=$TTTD_TOP/tests/data/tasks/table
tttd-space -q --list "$t" | tttd-compile -q | tttd-bench -q --task "$t" | tttd-cat |
	jq -c '[(.decisions | [.OPT, .UNROLL, .MODE] | join(" ")), .status, (.time_ns | if . then . * 100 | round / 100 else . end)]'
tttd-space -q "$t" | tttd-cat | jq -c '{feasible, ok, best_ns: (.best_ns * 100 | round / 100), hits, median_draws}'
