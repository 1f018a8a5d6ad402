tttd-bench --max-reps 10x
