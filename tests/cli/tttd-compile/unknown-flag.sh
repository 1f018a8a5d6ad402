tttd-compile -x </dev/null
