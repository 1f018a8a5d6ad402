# -j must be a whole number of at least 1.
tttd-compile -j 0 </dev/null
tttd-compile -j 2x </dev/null
