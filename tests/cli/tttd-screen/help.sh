tttd-screen --help
