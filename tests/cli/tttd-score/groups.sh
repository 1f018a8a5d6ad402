# Group 0/A: rewards 1000 500 250 (scale 1000 / us); group 0/B: all failed,
# constant, dropped.  The parent record passes through unchanged.
cat >in.json <<'JSON'
{"kind":"parent","id":"p0"}
{"kind":"candidate","id":"c1","group":"0/A","status":"ok","time_ns":1000}
{"kind":"candidate","id":"c2","group":"0/B","status":"compile_error"}
{"kind":"candidate","id":"c3","group":"0/A","status":"ok","time_ns":2000}
{"kind":"candidate","id":"c4","group":"0/B","status":"wrong"}
{"kind":"candidate","id":"c5","group":"0/A","status":"ok","time_ns":4000}
JSON
tttd-cat -j in.json | tttd-score | tttd-cat
echo mean:
tttd-cat -j in.json | tttd-score -q --estimator mean --scale 1 | tttd-cat
echo all constant:
grep -v '"0/A"' in.json | tttd-cat -j | tttd-score -q | tttd-cat
echo two children:
# a group of 2 is solved for (ln 2)/2, not the unreachable ln 2: +7.09 and -0.88, not 1e12 - 1
grep '"0/A"' in.json | head -2 | tttd-cat -j | tttd-score -q | tttd-cat
