# A checkpoint that does not exist is a runtime error, found before any input is read.
tttd-generate --task "$TTTD_TOP/kernels/matmul" --policy nope.ckpt </dev/null
