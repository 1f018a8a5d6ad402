tttd-select --groups 0 </dev/null
