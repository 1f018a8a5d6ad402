# --max bounds the enumeration: a larger space is an error, not a hang.
tttd-space --max 1000 "$TTTD_TOP/tests/data/tasks/synthetic" >out.mp
