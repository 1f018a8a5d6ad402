tttd-mutate --help
