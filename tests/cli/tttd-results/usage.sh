# Usage errors exit 2 and name the problem; a missing database is exit 1.
tttd-results
echo "exit $?"
tttd-results frob
echo "exit $?"
tttd-results --db x.db add
echo "exit $?"
tttd-results --db x.db best
echo "exit $?"
tttd-results --db x.db --header h.h best --task matmul
echo "exit $?"
tttd-results --db x.db best --task matmul
echo "exit $?"
tttd-results --db x.db add no-such-run
echo "exit $?"
