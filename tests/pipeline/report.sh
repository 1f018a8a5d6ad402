#!/usr/bin/env bash
# What a user sees of a run, on one short CPU discovery at the user's own
# shape (--shape): the step lines on stderr off a terminal (plain lines, no
# \r, no escape codes, also in log/progress); every figure against the one
# reference of the run (every record's ref_ns after the first step is the
# first step's; speed-ups are ref_ns / time_ns); the step line, summary.json
# and report.md naming the same best time; tttd-report's files (summary,
# SVG, HTML, report.md with the machine); the page rendered by a real
# headless browser; and the results index: the run's best added, queried by
# task, shape and device, exported as a C header and a source.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
cd "$tmp"
run=r db=$tmp/results.db
"$top/pipelines/tttd-discover.sh" --task matmul --shape 96x80x64 --run "$run" --steps 2 --groups 2 --children 3 \
	--bench-time 0.3 --results "$db" 2>stderr.txt || { cat stderr.txt; exit 1; }
cat stderr.txt

# 1. Batch-friendly: a plain line per step, none with \r or escape codes.
[ "$(grep -c '^tttd-discover: step [12]/2: ' stderr.txt)" = 2 ] || bad "want two step lines on stderr"
! grep -q $'[\r\033]' stderr.txt || bad "carriage returns or escape codes off a terminal"
cmp -s <(grep '^tttd-discover: step ' stderr.txt) "$run/log/progress" || bad "log/progress differs from the step lines"

# 2. One reference per run.
tttd-cat "$run"/steps/*.mp | jq -c 'select(.kind == "candidate" and .ref_ns)' >cands.jsonl
ref=$(head -n 1 cands.jsonl | jq .ref_ns)
[ "$(jq -s --argjson r "$ref" 'map(select(.ref_ns != $r)) | length' cands.jsonl)" = 0 ] ||
	bad "a record's ref_ns is not the run's reference $ref"
[ "$(jq -s 'map(select(.status == "ok" and ((.speedup - .ref_ns / .time_ns) | fabs) > 1e-9 * .speedup)) | length' cands.jsonl)" = 0 ] ||
	bad "a speed-up is not ref_ns / time_ns"
jq -se 'map(select(.status == "ok")) | length > 0 and
	all(.timing | map(.shape | map(tostring) | join("x")) == ["96x80x64"])' cands.jsonl >/dev/null ||
	bad "timing is not at the --shape given"

# 3. The same best time in the step line, summary.json and report.md.
best=$(jq -s 'map(select(.status == "ok")) | min_by(.time_ns) | .time_ns' cands.jsonl)
fmt() { awk -v ns="$1" 'BEGIN { if (ns >= 1e6) printf "%.3f ms", ns / 1e6; else if (ns >= 1e4) printf "%.1f us", ns / 1e3; else printf "%.2f us", ns / 1e3 }'; }
grep -q "^tttd-discover: step 2/2: .*best $(fmt "$best"), $(awk -v r="$ref" -v b="$best" 'BEGIN { printf "%.2fx", r / b }') the run's reference" stderr.txt ||
	bad "step line: want best $(fmt "$best") against the run's reference"
jq -e --argjson b "$best" '.best.time_ns == $b' "$run/summary.json" >/dev/null ||
	bad "summary.json best.time_ns != the archive's best $best"
conf=$(jq .time_ns "$run/best/record.json")
cid=$(jq -r .id "$run/best/record.json")
# The confirmed kernel as the search timed it: its first ok record in the archive.
found=$(jq -rs --arg id "$cid" 'to_entries | map(select(.value.id == $id and .value.status == "ok")) | first |
	"evaluation \(.key + 1) of 12 (step \(.value.step)), timed \(.value.time_ns)"' cands.jsonl)
grep -q "| found | ${found% timed *} timed $(fmt "${found##* }") then |" "$run/best/report.md" ||
	bad "report.md: want found | $found"
[ "$(grep -c '^| [0-9a-f]\{12\}' "$run/best/report.md")" = 3 ] || bad "report.md: want 3 rows of A/B"
grep -q "^tttd-discover: best $(fmt "$conf"), re-measured beside the reference" stderr.txt || bad "the last line names the confirmed time"
grep -q "| best time (geomean of per-shape medians) | $(fmt "$conf"), re-measured" "$run/best/report.md" || bad "report.md: confirmed time"

# 4. The summary per step.
jq -e '(.steps | length) == 2 and .evaluated == 12 and ([.steps[].evaluated] | add) == 12
	and .steps[1].best_so_far_ns <= .steps[0].best_so_far_ns
	and .best.evaluation >= 1 and .best.evaluation <= 12 and .confirmed.time_ns > 0' "$run/summary.json" >/dev/null ||
	bad "summary.json: $(cat "$run/summary.json")"
for k in CPU 'C compiler' NVRTC tttd 'measured on'; do
	grep -q "^| $k |" "$run/best/report.md" || bad "report.md lacks $k"
done
grep -q '^| tttd | 0.1.0, commit ' "$run/best/report.md" || bad "report.md: no commit"
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$run/best-so-far.svg" || bad "the SVG is not XML"
grep -q '<title>tttd: matmul (r)</title>' "$run/report.html" || bad "report.html: title"
grep -q '<td>96x80x64</td>' "$run/report.html" || bad "report.html: the per-shape table"
grep -q 'tttd_kernel' "$run/report.html" || bad "report.html: the source"

# 5. The page in a real browser: it loads with its title, and the plot is drawn
# (pixels of the best-so-far line's colour, #1f77b4, in the screenshot).
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "SKIP: no chromium (tests/deps.sh installs Debian's chromium where apt can): the page was not rendered"
else
	page=file://$tmp/$run/report.html
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --dump-dom "$page" 2>/dev/null >dom.html ||
		bad "chromium --dump-dom failed"
	grep -q '<title>tttd: matmul (r)</title>' dom.html || bad "chromium: no title in the rendered DOM"
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1000 \
		--screenshot="$tmp/shot.png" "$page" >/dev/null 2>&1 || bad "chromium --screenshot failed"
	python3 - "$tmp/shot.png" <<'PY' || bad "the screenshot does not show the plot"
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, = struct.unpack('>I', data[pos:pos + 4]); typ = data[pos + 4:pos + 8]; body = data[pos + 8:pos + 8 + n]
    if typ == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif typ == b'IDAT':
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
blue = dark = 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if abs(r - 31) < 40 and abs(g - 119) < 40 and abs(b - 180) < 40: blue += 1
        if r + g + b < 200: dark += 1
print('screenshot %dx%d: %d pixels of the plot line, %d dark (text)' % (w, h, blue, dark))
assert blue > 100 and dark > 500
PY
fi

# 6. The results index: the run's best, by task, shape and device; a header and a source.
dev=$(jq -r .device "$run/best/record.json")
tttd-results --db "$db" best --task matmul --shape 96x80x64 --device "$dev" >best.txt || bad "tttd-results best"
grep -q "^id        $(jq -r .id "$run/best/record.json")$" best.txt || bad "tttd-results best: not the run's best"
tttd-results --db "$db" export --task matmul --header best.h --source best.c || bad "tttd-results export"
cc -fsyntax-only -x c -include best.h /dev/null || bad "the exported header does not compile"
[ "$(grep -c '^#define' best.h)" -gt 3 ] || bad "the header has no decisions"
[ -z "$(comm -23 <(grep '^#define' best.h | grep -v '_H$' | sort) <(grep '^#define' best.c | sort))" ] ||
	bad "the header defines what the source does not"
cmp -s best.c <(jq -j .source "$run/best/record.json") || bad "the exported source is not the best's"
# Another device's row: best must ask which one; a run added twice is one row.
mkdir -p other/best
jq '.device = "Other CPU" | .time_ns = 1' "$run/best/record.json" >other/best/record.json
tttd-results --db "$db" add other "$run" || bad "tttd-results add"
[ "$(tttd-results --db "$db" list --task matmul | wc -l)" = 2 ] || bad "list: want 2 rows"
if tttd-results --db "$db" best --task matmul 2>err.txt; then bad "best across two devices answered"; fi
grep -q "name one with --device: '" err.txt || bad "best across devices: $(cat err.txt)"
tttd-results --db "$db" best --json --task matmul --device 'Other CPU' | jq -e '.time_ns == 1' >/dev/null ||
	bad "best --device"
if tttd-results --db "$db" best --task nosuch 2>/dev/null; then bad "best of an unknown task succeeded"; fi
exit $fail
