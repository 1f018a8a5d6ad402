# A candidate without a parent, and one naming an unknown parent.
echo '{"kind":"candidate","task":"toy","id":"a","step":0,"status":"ok","time_ns":5}' | tttd-cat -j | tttd-select
echo "exit $?"
echo '{"kind":"candidate","task":"toy","id":"a","parent":"zz","step":0,"status":"ok","time_ns":5}' | tttd-cat -j | tttd-select --groups 2
