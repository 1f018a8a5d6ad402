# JSON lines -> binary stream through a pipe -> JSON lines; records without
# "v" get v=1 first, blank lines are skipped, ints stay ints, floats floats.
cat >in.jsonl <<'JSON'
{"kind":"parent","id":"p0","step":0,"value":-12.5,"decisions":{"tile":"32"}}

{"v":1,"kind":"candidate","time_ns":3.0,"n":3,"object":{"$bin":"AAECAw=="},"bad":{"$float":"nan"},"s":"tab\there \"q\" é"}
JSON
tttd-cat -j in.jsonl | tttd-cat
