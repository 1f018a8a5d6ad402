# A stream cut inside its third record: the first two are printed, then the
# error names the record index and the byte offset where it starts.
printf '%s\n' '{"i":0}' '{"i":1}' '{"i":2,"pad":"xxxxxxxx"}' | tttd-cat -j -o s.mp
size=$(wc -c <s.mp)
head -c $((size - 3)) s.mp | tttd-cat
