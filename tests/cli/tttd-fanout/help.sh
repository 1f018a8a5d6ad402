"$TTTD_TOP/pipelines/tttd-fanout.sh" --help
