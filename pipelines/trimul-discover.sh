#!/bin/bash
# pipelines/trimul-discover.sh - a TriMul discovery on the GPU that fits one
# device session and resumes in the next: pipelines/tttd-discover.sh with
# --task trimul --backend cuda and the fixed run directory runs/trimul
# (TRIMUL_RUN overrides), so every invocation continues the same archive,
# policy and best/ folder.  Budget per invocation: TRIMUL_TIME seconds of
# new steps (default 480), small steps (2 groups x 2 children) so a step
# ends inside the budget; the best is re-measured into best/ at the end.
# Extra arguments go to tttd-discover.sh (e.g. --steps 40 for the total).
#
# Cost, measured on an H200 (tests/gpu/trimul_check.sh): one candidate's
# correctness check at the 18 test shapes plus timing of the 7 ranked shapes
# takes about 4 minutes, nearly all host-side input generation and
# comparison (5.5 G elements); hence the long per-candidate timeout.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/pipelines/tttd-discover.sh" --task trimul --backend cuda \
	--run "${TRIMUL_RUN:-runs/trimul}" --time "${TRIMUL_TIME:-480}" \
	--groups 2 --children 2 --steps 1000 --timeout 600 --bench-time 4 "$@"
