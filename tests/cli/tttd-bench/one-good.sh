# One good candidate: ok, with the keys tttd-bench owns (values vary, so only names).
cc -O2 -shared -fPIC -o g.so "$TTTD_TOP/tests/data/faulty/good.c"
jq -cn --arg obj "$(base64 -w0 g.so)" \
	'{v:1, kind:"candidate", id:"g1", task:"vadd", target:"cpu", status:"compiled", object:{"$bin":$obj}}' |
	tttd-cat -j | tttd-bench -q --task "$TTTD_TOP/tests/data/faulty/vadd" --max-time 0.05 --no-flush |
	tttd-cat | jq -c '{status, keys: keys, timing: [.timing[] | keys], check: (.check | keys), shapes: .check.shapes}'
