# A candidate that does not compile becomes a compile_error record (exit 0);
# the good one compiles; the parent and the failed candidate pass through
# unchanged and every record keeps its place.  Compiler-specific text
# (message wording, timing, object bytes) is reduced to facts.
cat >in.json <<'JSON'
{"v":1,"kind":"parent","id":"p"}
{"v":1,"kind":"candidate","id":"good","status":"generated","target":"cpu","cflags":"-O2","source":"void tttd_kernel(void **b, const long *d) { ((float *)b[0])[0] = 1; }\n"}
{"v":1,"kind":"candidate","id":"bad","status":"generated","target":"cpu","cflags":"-O2","source":"void tttd_kernel(void **b, const long *d) { int x = }\n"}
{"v":1,"kind":"candidate","id":"old","status":"wrong","reason":"max error 3"}
JSON
tttd-cat -j in.json | tttd-compile -j 2 | tttd-cat |
	jq -c '{id, kind, status, reason: (.reason // "" | sub(":[0-9]+:[0-9]+: error: .*"; ": error: ...")),
		log_has_error: ((.compile_log // "") | test("error")),
		object_is_elf: (.object["$bin"] // "" | startswith("f0VMR")),
		cached, key_len: (.cache_key // "" | length), tool}'
