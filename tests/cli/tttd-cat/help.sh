tttd-cat --help
