# --lm with the template generator's options, a bad temperature, a wrap file
# without {{PROMPT}}, and a checkpoint that is not a language model's
tttd-generate --lm http://127.0.0.1:1 --uniform
echo "exit $?"
tttd-generate --lm http://127.0.0.1:1 --lm-temperature hot
echo "exit $?"
echo 'no placeholder' >wrap.txt
echo '{"kind":"parent","id":"r","task":"matmul","step":0,"decisions":{}}' | tttd-cat -j >p.mp
tttd-generate --task "$TTTD_TOP/kernels/loops" --lm http://127.0.0.1:1 --lm-wrap wrap.txt p.mp
echo "exit $?"
echo '{"kind":"policy","format":"mlp"}' | tttd-cat -j >mlp.ckpt
tttd-generate --task "$TTTD_TOP/kernels/loops" --lm http://127.0.0.1:1 --policy mlp.ckpt p.mp
echo "exit $?"
