tttd-select --help
