printf "\x01\x02\x03" | tttd-bench
