#!/bin/bash
# bench/trimul-ncu.sh - one TriMul launch under Nsight Compute on the device:
# runs a bench/trimul-steps binary (built by bench/trimul-steps.sh) at one
# ranked shape, profiles the first launch whose kernel name matches, and
# prints what bounds it: the speed-of-light, memory, scheduler and
# warp-state sections, then the SASS instructions with the most stall samples (the
# binary carries -lineinfo).  For finding where a launch's time goes, not
# for timing (ncu replays the kernel; clocks are left alone).
set -u

usage() {
	cat <<'USAGE'
usage: trimul-ncu.sh [-h] [-k regex] [-o prefix] [-t top] binary shape

Profile one launch of a trimul-steps binary with ncu (speed of light,
memory, scheduler, warp state and source sections; --clock-control none) at ranked shape 1-7 of kernels/trimul/task.

  -k regex   kernel name to profile (default: trimul_proj)
  -o prefix  where the report and text go (default: $OUT/ncu or /tmp/ncu)
  -t top     SASS lines with the most stall samples to print (default 25)
  -h         this help
USAGE
}

kern=trimul_proj
prefix=${OUT:-/tmp}/ncu
top=25
case ${1:-} in
--help) usage; exit 0 ;;
--*) echo "trimul-ncu.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
while getopts hk:o:t: opt; do
	case $opt in
	h) usage; exit 0 ;;
	k) kern=$OPTARG ;;
	o) prefix=$OPTARG ;;
	t) top=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { usage >&2; exit 2; }
bin=$1 shape=$2
[ -x "$bin" ] || { echo "trimul-ncu.sh: no binary '$bin'" >&2; exit 2; }
case $shape in [1-7]) ;; *) echo "trimul-ncu.sh: shape must be 1-7" >&2; exit 2 ;; esac
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "trimul-ncu.sh: no ncu on this machine" >&2; exit 1; }

rep=/tmp/$(basename "$prefix")-$$
"$ncu" --clock-control none --import-source yes \
	--section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables \
	--section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
	--section SourceCounters --section LaunchStats --section Occupancy -k "regex:$kern" -c 1 -f -o "$rep" \
	"$bin" -s "$shape" -n 5 -w 0 >"$prefix.log" 2>&1 || { tail -20 "$prefix.log"; exit 1; }
"$ncu" --import "$rep.ncu-rep" --print-details all >"$prefix.txt" 2>&1
"$ncu" --import "$rep.ncu-rep" --page source --csv --print-source sass >"$prefix.sass.csv" 2>&1
# The sections that say what bounds the launch.
grep -E "^  [a-zA-Z_]+ |Duration|Throughput|Pipe|Issued Ipc|Stall|Registers|Achieved Occupancy|Theoretical Occ|L1/TEX Hit|L2 Hit|Mem Busy|Max Bandwidth|Eligible|Active Warps|No Eligible|Warp Cycles Per Issued" \
	"$prefix.txt" | grep -v -E "^\s*$" | head -60
# SASS lines by stall samples (the column names differ between versions: take the first "Sampling" one).
python3 - "$prefix.sass.csv" "$top" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], errors="replace")))
head = next((i for i, r in enumerate(rows) if any("Source" == c.strip() for c in r)), None)
if head is None:
    print("no source table"); sys.exit(0)
h = rows[head]
src = h.index("Source")
samp = [i for i, c in enumerate(h) if "Sampling" in c and "All" in c] or [i for i, c in enumerate(h) if "Sampling" in c]
if not samp:
    print("no sampling column:", h[:12]); sys.exit(0)
k = samp[0]
def num(s):
    try: return float(s.replace(",", ""))
    except ValueError: return 0.0
body = [r for r in rows[head + 1:] if len(r) > k]
tot = sum(num(r[k]) for r in body) or 1
print("stall samples by SASS line (%s, total %d):" % (h[k], tot))
for r in sorted(body, key=lambda r: -num(r[k]))[: int(sys.argv[2])]:
    print("%5.1f%%  %s" % (100 * num(r[k]) / tot, r[src][:110]))
PY
