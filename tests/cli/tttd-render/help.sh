tttd-render --help
