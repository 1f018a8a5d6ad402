tttd-render --bogus
