tttd-select --frobnicate </dev/null
