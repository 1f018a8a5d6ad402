tttd-space --within -1 "$TTTD_TOP/tests/data/tasks/synthetic"
