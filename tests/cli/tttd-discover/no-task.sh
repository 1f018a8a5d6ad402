# A task that does not exist: one line naming it, exit 1, and no run
# directory left behind naming it (it used to create runs/nonexistent and
# fail later, at selection).
"$TTTD_TOP/pipelines/tttd-discover.sh" --backend cpu --task nonexistent --run run
echo "exit $?"
test ! -e run && echo "no run directory"
