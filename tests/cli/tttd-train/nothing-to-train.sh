# No record carries an advantage: nothing is trained, the checkpoint is still written.
echo '{"kind":"candidate","task":"matmul","decisions":{}}' | tttd-cat -j |
	tttd-train -q --task "$TTTD_TOP/kernels/matmul" --save c.ckpt | tttd-cat | jq -c '[.trained, .loss]'
tttd-cat c.ckpt | jq .steps
