#!/usr/bin/env bash
# Debian's shellcheck on every shell script of the project at severity
# warning: the pipelines, bench/, containers/, the test drivers and the CLI
# golden cases (bash fragments, checked as bash).  Style notes (info level)
# are left to the author.
set -euo pipefail
top=${TTTD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
if ! command -v shellcheck >/dev/null; then
	echo "SKIP: shellcheck is not installed (tests/deps.sh installs Debian's shellcheck)"
	exit 0
fi
scripts=(pipelines/*.sh bench/*.sh containers/*.sh tests/*.sh tests/pipeline/*.sh tests/gpu/*.sh .ci/run)
shellcheck --version | sed -n 2p
shellcheck -x -S warning -f gcc "${scripts[@]}"
shellcheck -s bash -S warning -f gcc tests/cli/*/*.sh
echo "ok: $((${#scripts[@]} + $(ls tests/cli/*/*.sh | wc -l))) scripts"
