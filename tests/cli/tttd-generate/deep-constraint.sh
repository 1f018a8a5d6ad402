# A constraint nested 20,000 parentheses deep: every tool that loads the
# task says so in one line and exits 1 (it used to overflow the stack).
mkdir deep
{
	printf 'name deep\ntarget cpu\ndims N\nshape check 3\nshape bench 3\nbuffer y out f32 N\n'
	printf 'tolerance rtol 0 atol 0\ndecision A 1 2\nconstraint '
	awk 'BEGIN { for (i = 0; i < 20000; i++) printf "("; printf "A"; for (i = 0; i < 20000; i++) printf ")"; print " > 0" }'
} >deep/task
echo '{"kind":"parent","id":"p","task":"deep","step":0,"decisions":{}}' | tttd-cat -j >parent.mp
tttd-generate --task deep parent.mp
echo "tttd-generate: exit $?"
tttd-space deep
echo "tttd-space: exit $?"
tttd-mutate --task deep parent.mp
echo "tttd-mutate: exit $?"
