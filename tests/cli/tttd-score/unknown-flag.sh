tttd-score -x </dev/null
