# -o writes file.tmp and renames it; JSON output to a file works the same way.
printf '%s\n' '{"i":0}' | tttd-cat -j -o s.mp
tttd-cat -o s.json s.mp
ls
cat s.json
