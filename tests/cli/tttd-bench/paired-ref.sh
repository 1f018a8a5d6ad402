# --paired with --ref-ns (a search's steps): the speed-up divides the run's
# reference, as without --paired; vadd has no baseline, so nothing is paired
# and the record says so by having no baseline_ratio.
cc -O2 -shared -fPIC -o g.so "$TTTD_TOP/tests/data/faulty/good.c"
jq -cn --arg obj "$(base64 -w0 g.so)" \
	'{v:1, kind:"candidate", id:"g1", task:"vadd", target:"cpu", status:"compiled", object:{"$bin":$obj}}' |
	tttd-cat -j | tttd-bench -q --task "$TTTD_TOP/tests/data/faulty/vadd" --max-time 0.05 --no-flush --paired --ref-ns 5000 |
	tttd-cat | jq -c '{status, ref_ns, speedup_ok: (.speedup == 5000 / .time_ns), has_ratio: has("baseline_ratio")}'
