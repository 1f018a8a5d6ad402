# No run folder, two run folders, --env with a run folder, no such run.
tttd-report
echo "exit $?"
tttd-report a b
echo "exit $?"
tttd-report --env e.json a
echo "exit $?"
tttd-report no-such-run
echo "exit $?"
mkdir empty
tttd-report empty
echo "exit $?"
