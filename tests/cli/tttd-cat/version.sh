tttd-cat -V
