tttd-bench --min-reps 10 --max-reps 5
