# Records with a source, and records of other kinds, pass through byte for byte.
t=$TTTD_TOP/kernels/matmul
tttd-select --task "$t" --groups 2 </dev/null 2>/dev/null >parents
tttd-generate --task "$t" --children 2 --seed 1 parents 2>/dev/null >gen
cat parents gen | tttd-render --task "$t" >out
cat parents gen | cmp - out && echo same
