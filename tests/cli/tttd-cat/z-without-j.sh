tttd-cat -z x.mp
