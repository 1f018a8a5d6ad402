"$TTTD_TOP/pipelines/tttd-fanout.sh" --bogus
