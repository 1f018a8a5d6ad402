# Records that are not compiled candidates pass through byte for byte.
printf '%s\n' '{"v":1,"kind":"train","loss":0.5}' \
	'{"v":1,"kind":"candidate","id":"x","status":"compile_error","reason":"boom"}' |
	tttd-cat -j | tttd-bench | tttd-cat
