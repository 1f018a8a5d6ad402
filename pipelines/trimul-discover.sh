#!/bin/bash
# pipelines/trimul-discover.sh - a TriMul discovery on the GPU that fits one
# device session and resumes in the next: pipelines/tttd-discover.sh with
# --task trimul --backend cuda and the fixed run directory runs/trimul
# (TRIMUL_RUN overrides), so every invocation continues the same archive,
# policy and best/ folder.  Budget per invocation: TRIMUL_TIME seconds of
# new steps (default 480), steps of 4 groups x 4 children; the best is
# re-measured into best/ at the end.  Extra arguments go to tttd-discover.sh
# (e.g. --steps 40 for the total).
#
# To continue in another session or on another machine, bring the run
# folder along; its cache/ may be left behind (compiled objects are rebuilt
# on demand): tested on the H100, 2026-11-22 (docs/benchmarks.md).
#
# Cost, measured on an H100 (tests/gpu/trimul_check.sh, 2026-11-22): one
# candidate's check at the 18 test shapes plus timing of the 7 ranked shapes
# takes about 5-10 seconds (compile included) since cases live on the device.
#
# Installed as tttd-trimul-discover beside tttd-discover; in a checkout it
# calls pipelines/tttd-discover.sh.  The run folder is relative to the
# caller's directory.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
disc=$here/tttd-discover
[ -x "$disc" ] || disc=$here/tttd-discover.sh
case ${1:-} in
-h | --help)
	cat <<'USAGE'
usage: tttd-trimul-discover [tttd-discover options]

A resumable TriMul discovery on the GPU: tttd-discover --task trimul --backend
cuda in the run folder $TRIMUL_RUN (default runs/trimul), at most $TRIMUL_TIME
seconds (default 480) of new steps per call, 4 groups x 4 children per step.
Options given here go to tttd-discover (see tttd-discover --help).
USAGE
	exit 0 ;;
esac
exec "$disc" --task trimul --backend cuda \
	--run "${TRIMUL_RUN:-runs/trimul}" --time "${TRIMUL_TIME:-480}" \
	--groups 4 --children 4 --steps 1000 --timeout 120 --bench-time 2 "$@"
