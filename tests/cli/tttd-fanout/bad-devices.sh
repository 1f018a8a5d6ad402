"$TTTD_TOP/pipelines/tttd-fanout.sh" --devices 0,x
