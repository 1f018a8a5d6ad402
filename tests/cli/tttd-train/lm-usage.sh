# --lm-publish without a trainer, and --init-from with one
tttd-train --save x --lm-publish http://127.0.0.1:1
echo "exit $?"
tttd-train --save x --lm-trainer http://127.0.0.1:1 --init-from y
echo "exit $?"
