tttd-render --task
