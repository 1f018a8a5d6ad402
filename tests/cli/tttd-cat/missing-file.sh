tttd-cat does-not-exist.mp
