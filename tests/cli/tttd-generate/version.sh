tttd-generate -V
