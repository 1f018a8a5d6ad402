tttd-results --help
