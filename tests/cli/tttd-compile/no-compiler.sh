# A compiler that cannot be run is tttd's problem, not the candidate's: exit 1.
printf '%s\n' '{"v":1,"kind":"candidate","id":"c1","status":"generated","target":"cpu","source":"int x;\n"}' |
	tttd-cat -j | tttd-compile --cc /nonexistent/cc >out.mp
