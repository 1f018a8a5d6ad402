tttd-localsearch --help
