#!/usr/bin/env bash
# install_check.sh BUILD_DIR WORK_DIR - the install is whole and
# relocatable: `cmake --install` into a prefix, the prefix moved elsewhere,
# and the moved install works from there (installed_check.sh: its engines,
# libraries, plot scripts, traces, man pages, completion and engine SDK),
# not from the build tree.
set -euo pipefail
build=$1 work=$2
here=$(dirname "$(readlink -f "$0")")
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/a" >"$work/install.log"
mv "$work/a" "$work/b"
p=$work/b m=$work/b/bin/mmreplay
fail() { echo "install_check: $*" >&2; exit 1; }
"$here/installed_check.sh" "$p" "$work/run"
# The plot scripts are the install's: without them, plot says so, naming the install's folder.
cd "$work/run"
mv "$p/share/mmreplay/plots/common.gp" "$p/common.gp.away"
if "$m" plot r -o plots2 2>err.txt; then fail "plot ran without the install's scripts"; fi
grep -q "no plot scripts in $p/share/mmreplay/plots" err.txt || fail "plot did not look in the install: $(cat err.txt)"
mv "$p/common.gp.away" "$p/share/mmreplay/plots/common.gp"
echo "install_check: the install moved to $p works from there"
