"$TTTD_TOP/pipelines/tttd-discover.sh" --ga --uniform
