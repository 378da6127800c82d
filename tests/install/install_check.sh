#!/usr/bin/env bash
# install_check.sh BUILD_DIR WORK_DIR - the install is whole and relocatable:
# `cmake --install` into a prefix, the prefix moved elsewhere, and the moved
# binary finds its own engines, shared libraries, plot scripts and bundled
# traces there, not the build tree's (issue 19 §1).
set -euo pipefail
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/a" >"$work/install.log"
mv "$work/a" "$work/b"
p=$work/b m=$work/b/bin/mmreplay
unset MMREPLAY_ENGINE_PATH MMREPLAY_PLOTS_DIR MMREPLAY_TRACES_DIR
fail() { echo "install_check: $*" >&2; exit 1; }
for f in bin/mmreplay share/mmreplay/plots/common.gp share/mmreplay/traces/kernel-locks.mmr share/doc/mmreplay/LICENSE \
	share/bash-completion/completions/mmreplay share/doc/mmreplay/docs/cli.md; do
	[ -e "$p/$f" ] || fail "$f not installed"
done
# Its man pages, where man looks under the prefix.
page=$(man -M "$p/share/man" -w mmreplay-replay) || fail "man finds no mmreplay-replay page under $p/share/man"
case $page in "$p"/*) ;; *) fail "man found $page, not the install's" ;; esac
# Its shared libraries and engines: from the moved prefix.
# ldd's output taken whole first: grep -q would stop reading early, and under pipefail ldd's SIGPIPE fails the test.
libs=$(ldd "$m")
grep -q "libmmr_lock.so => $p/" <<<"$libs" || fail "the binary does not load libmmr_lock.so from $p: $(grep mmr <<<"$libs")"
files=$("$m" list engines -v | awk '$1 == "file" {print $2}' | sort -u)
[ -n "$files" ] || fail "list engines -v names no engine file"
while read -r f; do
	case $f in "$p"/*) ;; *) fail "engine $f is not the install's" ;; esac
done <<<"$files"
cd "$work"
"$m" generate slab-mix -o t.mmr --ops 2000 -q
MMREPLAY_SCHED=other "$m" replay t.mmr -e slub -o r -q
"$m" plot r -o plots >/dev/null
ls plots/slub/*.png >/dev/null 2>&1 || ls plots/*.png >/dev/null 2>&1 || fail "plot drew nothing"
# The plot scripts are the install's: without them, plot says so, naming the install's folder.
mv "$p/share/mmreplay/plots/common.gp" "$p/common.gp.away"
if "$m" plot r -o plots2 2>err.txt; then fail "plot ran without the install's scripts"; fi
grep -q "no plot scripts in $p/share/mmreplay/plots" err.txt || fail "plot did not look in the install: $(cat err.txt)"
mv "$p/common.gp.away" "$p/share/mmreplay/plots/common.gp"
# A bundled trace from the install validates against an installed engine.
MMREPLAY_SCHED=other "$m" validate "$p/share/mmreplay/traces/kernel-locks.mmr" -e slub -o v --no-plots -q
[ -s v/validate.json ] || fail "validate wrote no report"
echo "install_check: the install in $p works from there"
