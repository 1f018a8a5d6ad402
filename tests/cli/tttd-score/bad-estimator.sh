tttd-score --estimator median </dev/null
