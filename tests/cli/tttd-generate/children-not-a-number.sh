tttd-generate --children 3x
