tttd-bench --help
