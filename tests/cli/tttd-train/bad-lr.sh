tttd-train --save c.ckpt --lr fast </dev/null
