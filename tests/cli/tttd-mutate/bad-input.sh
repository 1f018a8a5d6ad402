# A member whose decisions name an option the task does not have: exit 1.
echo '{"kind":"candidate","id":"a","step":0,"decisions":{"A":"9"}}' | tttd-cat -j |
	tttd-mutate --task "$TTTD_TOP/tests/data/tasks/synthetic"
