"$TTTD_TOP/pipelines/tttd-discover.sh" --steps many
