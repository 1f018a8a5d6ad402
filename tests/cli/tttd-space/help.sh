tttd-space --help
