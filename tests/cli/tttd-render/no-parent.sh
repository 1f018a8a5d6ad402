# A candidate that names no parent can make no record of a step: exit 1.
echo '{"kind":"candidate","task":"matmul","decisions":{}}' | tttd-cat -j |
	tttd-render --task "$TTTD_TOP/kernels/matmul"
