"$TTTD_TOP/pipelines/tttd-discover.sh" --bogus
