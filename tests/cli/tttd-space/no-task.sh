tttd-space
