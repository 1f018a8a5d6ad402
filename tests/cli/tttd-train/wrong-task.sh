# Every candidate of a batch must belong to one task.
printf '{"kind":"candidate","task":"%s","decisions":{},"parent_decisions":{},"advantage":1}\n{"kind":"candidate","task":"gemm","decisions":{},"parent_decisions":{},"advantage":1}\n' \
	"$TTTD_TOP/kernels/matmul" | tttd-cat -j | tttd-train --save c.ckpt
