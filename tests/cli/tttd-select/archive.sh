# The hand-worked tree of tests/unit/test_puct.c (roots of task "toy", 3
# groups): after step 1, the picks are h d g; e was pruned (third child of b).
R0=3388b3a94f789949256b73f6ba7fb3d2
R1=a20ff4de74b46e74e55ecfdd88f11e7f
R2=a3dfbb7bc25f323d6b2e00b6382b685d
cat >archive.json <<JSON
{"kind":"candidate","task":"toy","id":"a","parent":"$R0","step":0,"status":"ok","time_ns":100000,"decisions":{"X":"1"}}
{"kind":"candidate","task":"toy","id":"b","parent":"$R0","step":0,"status":"ok","time_ns":50000,"decisions":{"X":"2"}}
{"kind":"candidate","task":"toy","id":"f1","parent":"$R0","step":0,"status":"compile_error"}
{"kind":"train","loss":0.5}
{"kind":"candidate","task":"toy","id":"c","parent":"$R1","step":0,"status":"ok","time_ns":80000,"decisions":{"X":"3"}}
{"kind":"candidate","task":"toy","id":"a","parent":"$R2","step":0,"status":"ok","time_ns":90000,"decisions":{"X":"1"}}
{"kind":"candidate","task":"toy","id":"d","parent":"b","step":1,"status":"ok","time_ns":40000,"decisions":{"X":"4"}}
{"kind":"candidate","task":"toy","id":"e","parent":"b","step":1,"status":"ok","time_ns":60000,"decisions":{"X":"5"}}
{"kind":"candidate","task":"toy","id":"g","parent":"b","step":1,"status":"ok","time_ns":45000,"decisions":{"X":"6"}}
{"kind":"candidate","task":"toy","id":"f2","parent":"c","step":1,"status":"wrong"}
{"kind":"candidate","task":"toy","id":"h","parent":"a","step":1,"status":"ok","time_ns":30000,"decisions":{"X":"7"}}
JSON
tttd-cat -j archive.json >archive.mp || exit 1
tttd-select --groups 3 archive.mp | tttd-cat
# compressed, followed by an empty second input, it gives the same picks
tttd-cat -j -z archive.json >archive.zst
head -c 0 /dev/null | tttd-select -q --groups 3 --task "$TTTD_TOP/tests/data/tasks/toy" archive.zst - | tttd-cat | cut -c1-60
echo best:
tttd-select -q --best 2 archive.mp | tttd-cat
