# An empty archive gives the task's roots, step 0, best prior first.
tttd-select -q --task "$TTTD_TOP/tests/data/tasks/toy" --groups 3 </dev/null | tttd-cat
