tttd-mutate --bogus
