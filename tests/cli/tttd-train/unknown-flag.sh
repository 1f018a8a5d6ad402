tttd-train -x
