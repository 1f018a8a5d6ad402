tttd-screen --bogus
