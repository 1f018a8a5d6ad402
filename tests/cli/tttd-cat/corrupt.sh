# Garbage is not a stream: exit 1 with the record index and byte offset.
printf 'not msgpack' | tttd-cat
