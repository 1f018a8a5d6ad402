tttd-compile --help
