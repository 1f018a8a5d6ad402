# A duration too large to become a deadline in nanoseconds (1e300 used to
# overflow it): a usage error naming the option, exit 2.
tttd-bench --max-time 1e300 </dev/null
echo "exit $?"
tttd-bench --timeout inf </dev/null
echo "exit $?"
tttd-bench --timeout 43201m </dev/null
echo "exit $?"
# The largest accepted (30 days) is fine.
tttd-bench --timeout 720h --max-time 2592000 </dev/null
echo "exit $?"
