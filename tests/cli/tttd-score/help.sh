tttd-score --help
