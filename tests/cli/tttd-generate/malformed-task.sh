# A broken task folder: one line naming the file and the line, exit 1.
mkdir bad
printf 'name bad\ntarget cpu\ndims N\nshape check 3\nshape bench 3\nbuffer y out f32 N\ntolerance rtol 0 atol 0\ndecision A 1 2\nconstraint A > B\n' >bad/task
echo '{"kind":"parent","id":"p","task":"bad","step":0,"decisions":{}}' | tttd-cat -j |
	tttd-generate --task bad
