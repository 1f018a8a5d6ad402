# --shape must give one positive integer per dim of the task (matmul: M N K).
tttd-bench --task matmul --shape 64x64 </dev/null
echo "exit $?"
tttd-bench --task matmul --shape 64x0x64 </dev/null
echo "exit $?"
tttd-bench --task matmul --shape 64x64x64, </dev/null
echo "exit $?"
