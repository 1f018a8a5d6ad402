# A task that does not exist: one line naming it, exit 1, nothing written
# (it used to give 64 root states of no task, and exit 0).
tttd-select --task nonexistent </dev/null
