tttd-generate --uniform --policy p.ckpt
