# The second run of the same candidates hits the cache: same key, same
# object, cached true, compile_ms 0.  A damaged entry is a miss again.
printf '%s\n' '{"v":1,"kind":"candidate","id":"c1","status":"generated","target":"cpu","cflags":"-O1","source":"int f(int x) { return x + 1; }\n"}' |
	tttd-cat -j >in.mp
tttd-compile -q --cache cache in.mp | tttd-cat >1.json
tttd-compile --cache cache in.mp | tttd-cat >2.json
jq -c '{status, cached, zero_ms: (.compile_ms == 0)}' 1.json 2.json
[ "$(jq -r '.object["$bin"]' 1.json)" = "$(jq -r '.object["$bin"]' 2.json)" ] && echo same object
[ "$(jq -r .cache_key 1.json)" = "$(jq -r .cache_key 2.json)" ] && echo same key
find cache -type f | sed 's|/[0-9a-f]*/[0-9a-f]*$|/xx/entry|'
find cache -type f -exec sh -c 'printf junk >"$1"' sh {} \;
tttd-compile -q --cache cache in.mp | tttd-cat | jq -c '{status, cached}'
