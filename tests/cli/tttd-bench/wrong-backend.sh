# A CPU task cannot be run by the CUDA backend.
tttd-bench --backend cuda --task "$TTTD_TOP/tests/data/faulty/vadd" </dev/null
