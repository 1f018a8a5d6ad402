tttd-bench --bogus
