tttd-space --bogus "$TTTD_TOP/tests/data/tasks/synthetic"
