tttd-localsearch --budget 3 "$TTTD_TOP/kernels/matmul"
