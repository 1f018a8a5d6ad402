echo '{"kind":"candidate","task":"'"$TTTD_TOP"'/kernels/matmul","decisions":{},"advantage":1}' |
	tttd-cat -j | tttd-train --save c.ckpt
