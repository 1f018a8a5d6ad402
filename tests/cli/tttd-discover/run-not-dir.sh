# A run directory that cannot be made (a file is in the way): one line, exit 1
# (it used to print mkdir's error five times).
touch afile
"$TTTD_TOP/pipelines/tttd-discover.sh" --backend cpu --task matmul --run afile
