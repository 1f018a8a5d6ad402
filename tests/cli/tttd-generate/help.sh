tttd-generate --help
