tttd-report --help
