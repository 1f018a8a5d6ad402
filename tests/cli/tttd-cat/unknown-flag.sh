tttd-cat --bogus
