tttd-localsearch
