# Bad decisions are failure records with a reason, never an error: an unknown
# decision, an option the decision lacks, a decision left out, a violated
# constraint (matmul: a simple kernel has MR 1).  Exit 0, every record out.
t=$TTTD_TOP/kernels/matmul
tttd-select --task "$t" --groups 1 </dev/null 2>/dev/null >parents
tttd-generate --task "$t" --children 1 --seed 1 parents 2>/dev/null | tttd-cat >good.json
{
	jq -c 'del(.id, .source, .cflags) | .decisions.NOPE = "1"' good.json
	jq -c 'del(.id, .source, .cflags) | .decisions.MR = "7"' good.json
	jq -c 'del(.id, .source, .cflags) | del(.decisions.MR)' good.json
	jq -c 'del(.id, .source, .cflags) | .decisions.KERNEL = "simple" | .decisions.MR = "4"' good.json
	jq -c 'del(.id, .source, .cflags) | .decisions.MR = 4' good.json
} | tttd-cat -j | tttd-render -q --parents parents | tttd-cat |
	jq -c '[.status, .reason, (.id | test("^[0-9a-f]{32}$")), .source, .tool]'
