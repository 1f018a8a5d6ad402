# --shape is checked before anything runs.
"$TTTD_TOP/pipelines/tttd-discover.sh" --task matmul --shape 64xx64 --run r
echo "exit $?"
test -e r && echo "r exists"
