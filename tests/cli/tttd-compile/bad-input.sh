# Not a msgpack stream: a runtime error, exit 1.
printf 'hello' | tttd-compile
