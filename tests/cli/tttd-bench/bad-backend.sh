tttd-bench --backend gpu
