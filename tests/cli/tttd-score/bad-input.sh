# Record 1 is an "ok" candidate without time_ns.
printf '%s\n' '{"kind":"parent","id":"p"}' '{"kind":"candidate","group":"0/p","status":"ok"}' |
	tttd-cat -j | tttd-score
