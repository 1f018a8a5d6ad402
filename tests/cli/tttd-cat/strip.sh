# --strip drops the keys the schema gives to the named stages, in both
# directions; keys any stage may set (status, reason) stay; a name that owns
# no key is a usage error.
r='{"kind":"candidate","id":"a","status":"ok","reason":"r","cache_key":"k","time_ns":5,"timing":[],"device":"cpu","reward":1.5,"advantage":0.1,"x":1}'
echo "$r" | tttd-cat -j | tttd-cat --strip bench,score
echo "$r" | tttd-cat -j --strip tttd-bench | tttd-cat
tttd-cat --strip select,nothing </dev/null
