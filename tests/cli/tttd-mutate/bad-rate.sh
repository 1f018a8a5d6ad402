tttd-mutate --rate 1.5
