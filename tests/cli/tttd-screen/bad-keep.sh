tttd-screen --keep 0
