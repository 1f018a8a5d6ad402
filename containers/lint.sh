#!/usr/bin/env bash
# containers/lint.sh - a small checker for containers/Containerfile, for
# machines without hadolint or a container engine.  It checks the rules this
# project cares about, nothing more:
#   - FROM names an image with an explicit tag (never implicit latest); an
#     image given by a build ARG (FROM ${BASE}) is checked through the ARG's
#     default, which must exist;
#   - every RUN with apt-get install also runs apt-get update in the same
#     layer (a stale list cache is the classic broken rebuild), uses -y and
#     --no-install-recommends, and removes /var/lib/apt/lists;
#   - no remote code is fetched and run: no curl/wget in RUN, no ADD of a URL;
#   - the sources are COPY'd before the first RUN make, and every make
#     target named in a RUN exists in the Makefile (one build recipe: ours);
#   - ENTRYPOINT and CMD are in exec (JSON) form, and the ENTRYPOINT is a
#     file that `make install` puts in $(PREFIX)/bin (a tool or a pipeline).
# Usage: containers/lint.sh [Containerfile [Makefile]]; prints one line per
# problem as FILE:LINE: message and exits 1 if there is any, else 0.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cf=${1:-$top/containers/Containerfile}
mk=${2:-$top/Makefile}
[ -r "$cf" ] || { echo "lint: cannot read '$cf'" >&2; exit 2; }
[ -r "$mk" ] || { echo "lint: cannot read '$mk'" >&2; exit 2; }
src=$(dirname "$mk")

# Make targets: "name:" at the start of a line (not variables, not patterns).
targets=$(sed -n 's/^\([A-Za-z0-9_.-][A-Za-z0-9_. -]*\):\([^=]\|$\).*/\1/p' "$mk" | tr ' ' '\n' | sort -u | tr '\n' ' ')
# What make install puts in $(PREFIX)/bin: tools and pipelines, by name.
installed=$( (ls "$src"/tools/tttd-*.c "$src"/pipelines/*.sh 2>/dev/null || true) |
	sed 's,.*/,,; s/\.c$//; s/\.sh$//' | tr '\n' ' ')

awk -v file="$cf" -v targets=" $targets " -v installed=" $installed " '
function problem(msg) { printf "%s:%d: %s\n", file, start, msg; bad = 1 }
function check(inst, args,   n, i, w, cmds, c, words, k, exe, nm) {
	if (inst == "ARG" && !sawfrom) {
		if (args ~ /=/) { nm = args; sub(/=.*/, "", nm); argdef[nm] = substr(args, length(nm) + 2); gsub(/"/, "", argdef[nm]) }
		return
	}
	if (inst == "FROM") {
		sawfrom = 1
		n = split(args, w, " ")
		for (i = 1; i <= n && w[i] ~ /^--/; i++) ;
		if (match(w[i], /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/)) {
			nm = w[i]; gsub(/[${}]/, "", nm)
			if (!(nm in argdef)) { problem("FROM " w[i] ": the ARG " nm " has no default before FROM"); return }
			w[i] = argdef[nm]
		}
		img = w[i]
		sub(/^[^\/]*\/(.*\/)?/, "", img)   # drop registry and path
		if (img !~ /[:@]/ || img ~ /:latest$/) problem("FROM " w[i] ": name an explicit tag")
	} else if (!sawfrom && inst != "ARG") {
		problem(inst " before FROM")
	} else if (inst == "ADD" && args ~ /(https?|ftp):\/\//) {
		problem("ADD of a URL: remote files must not enter the image unchecked")
	} else if (inst == "COPY") {
		copied = 1
	} else if (inst == "RUN") {
		if (args ~ /(^|[^A-Za-z])(curl|wget)([^A-Za-z]|$)/)
			problem("RUN fetches remote code (curl/wget); install Debian packages instead")
		if (args ~ /apt-get[^&;|]* install/) {
			if (args !~ /apt-get[^&;|]* update/) problem("apt-get install without apt-get update in the same RUN")
			if (args !~ /rm -rf \/var\/lib\/apt\/lists/) problem("apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN")
			if (args !~ /--no-install-recommends/) problem("apt-get install without --no-install-recommends")
			if (args !~ /install[^&;|]* -y|-y[^&;|]* install/) problem("apt-get install without -y")
		}
		n = split(args, cmds, /&&|;|\|\|/)
		for (c = 1; c <= n; c++) {
			k = split(cmds[c], words, " ")
			if (words[1] != "make") continue
			if (!copied) problem("make before the sources are COPY'"'"'d")
			for (i = 2; i <= k; i++) {
				if (words[i] ~ /^-/ || words[i] ~ /=/) continue
				if (index(targets, " " words[i] " ") == 0) problem("make target \"" words[i] "\" is not in the Makefile")
			}
		}
	} else if (inst == "ENTRYPOINT" || inst == "CMD") {
		if (args !~ /^\[.*\]$/) { problem(inst " in shell form; use the exec form [\"prog\", \"arg\"]"); return }
		if (inst == "ENTRYPOINT") {
			sawentry = 1
			exe = args
			sub(/^\[ *"/, "", exe); sub(/".*/, "", exe)
			nm = exe; sub(/.*\//, "", nm)
			if (exe !~ /^\/usr\/local\/bin\// || index(installed, " " nm " ") == 0)
				problem("ENTRYPOINT " exe " is not a file make install puts in /usr/local/bin")
		}
	}
}
{
	line = $0
	if (cont == "") start = NR
	if (line ~ /^[ \t]*#/ && cont != "") next       # comments inside a continued RUN
	if (line ~ /\\$/) { cont = cont substr(line, 1, length(line) - 1) " "; next }
	line = cont line
	cont = ""
	if (line ~ /^[ \t]*(#|$)/) next
	gsub(/\t/, " ", line)
	sub(/^ +/, "", line)
	inst = toupper(line); sub(/ .*/, "", inst)
	args = line; sub(/^[^ ]+ */, "", args); sub(/ +$/, "", args)
	check(inst, args)
}
END {
	start = NR
	if (!sawfrom) problem("no FROM")
	if (!sawentry) problem("no ENTRYPOINT")
	exit bad
}' "$cf"
