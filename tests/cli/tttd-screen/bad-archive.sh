# An archive file that does not exist: one line, exit 1.
echo '{"kind":"candidate","id":"a","step":0,"task":"synthetic","decisions":{"A":"5","B":"2","C":"6","D":"1","E":"3","F":"4"},"status":"generated"}' |
	tttd-cat -j | tttd-screen --task "$TTTD_TOP/tests/data/tasks/synthetic" --archive nowhere.mp
