"$TTTD_TOP/pipelines/tttd-discover.sh" --finalists 0
