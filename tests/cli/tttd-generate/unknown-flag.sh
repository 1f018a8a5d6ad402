tttd-generate --bogus
