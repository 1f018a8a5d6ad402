tttd-train </dev/null
