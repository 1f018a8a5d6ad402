tttd-select </dev/null
