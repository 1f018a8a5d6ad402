# A task whose times are measured has no known optimum: refused, exit 1.
tttd-space "$TTTD_TOP/tests/data/tasks/ok_cpu" >out.mp
