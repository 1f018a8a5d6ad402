# zstd from the zstd command, and raw + zstd + tttd-cat -z concatenated.
printf '%s\n' '{"i":0}' '{"i":1}' | tttd-cat -j >a.mp
zstd -q -c a.mp >a.mp.zst
tttd-cat a.mp.zst
tttd-cat -j -z -o b.zst <<'JSON'
{"i":2}
JSON
cat a.mp a.mp.zst b.zst | tttd-cat -
tttd-cat -c a.mp a.mp.zst b.zst
