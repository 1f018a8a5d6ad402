# A compiled candidate of a task that cannot be found is a runtime error.
printf '%s\n' '{"v":1,"kind":"candidate","id":"x","task":"no_such_task","status":"compiled","object":{"$bin":"AA=="}}' |
	tttd-cat -j | tttd-bench
