tttd-localsearch --method walk "$TTTD_TOP/tests/data/tasks/synthetic"
