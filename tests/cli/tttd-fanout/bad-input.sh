printf "not a stream" | "$TTTD_TOP/pipelines/tttd-fanout.sh" --workers 2 --task "$TTTD_TOP/tests/data/tasks/synthetic"
