echo '{"kind":"parent","task":"'"$TTTD_TOP"'/kernels/matmul","step":0}' | tttd-cat -j | tttd-generate
