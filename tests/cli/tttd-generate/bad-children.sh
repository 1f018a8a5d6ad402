tttd-generate --children 0
