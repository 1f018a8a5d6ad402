# A bad line names the file and the line.  With -o no file appears; on a
# pipe the lines before the bad one have already gone out.
printf '%s\n' '{"i":0}' '' '{"i":1' >in.jsonl
tttd-cat -j -o out.mp in.jsonl
echo "exit $?"
ls
tttd-cat -j in.jsonl | tttd-cat
