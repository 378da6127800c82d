#!/usr/bin/env bash
# installed_check.sh PREFIX WORK_DIR - an installed mmreplay works
# from PREFIX alone (issue 19 §1-§3): a `cmake --install` prefix, moved or
# not, or /usr for the Debian package (./make.sh package).  Its binary loads
# its own shared libraries and engines, draws with its own plot scripts,
# validates a bundled trace; man finds its pages; its bash completion names
# its engines; and its engine SDK is complete: each public header compiles
# alone against PREFIX, and the example engine the install ships, built
# outside the tree by its own Makefile and pkg-config, links with no
# undefined symbol and replays.  Nothing is read from a source tree.
set -euo pipefail
mkdir -p "$2"
p=$(readlink -f "$1") work=$(readlink -f "$2")
m=$p/bin/mmreplay
unset MMREPLAY_ENGINE_PATH MMREPLAY_PLOTS_DIR MMREPLAY_TRACES_DIR
fail() { echo "installed_check: $*" >&2; exit 1; }
cd "$work"
for f in bin/mmreplay share/mmreplay/plots/common.gp share/mmreplay/traces/kernel-locks.mmr share/mmreplay/families.json \
	share/bash-completion/completions/mmreplay share/doc/mmreplay; do
	[ -e "$p/$f" ] || fail "$f not installed"
done
# Its man pages, where man looks under the prefix (a build without them sets MMR_NO_MAN).
[ -n "${MMR_NO_MAN:-}" ] || page=$(man -M "$p/share/man" -w mmreplay-replay) || fail "man finds no mmreplay-replay page under $p/share/man"
[ -n "${MMR_NO_MAN:-}" ] || case $page in "$p"/*) ;; *) fail "man found $page, not the install's" ;; esac
# Its shared libraries and engines: from the prefix.
# ldd's output taken whole first: grep -q would stop reading early, and under pipefail ldd's SIGPIPE fails the test.
libs=$(ldd "$m")
grep -q "libmmr_lock.so => $p/" <<<"$libs" || fail "the binary does not load libmmr_lock.so from $p: $(grep mmr <<<"$libs")"
files=$("$m" list engines -v | awk '$1 == "file" {print $2}' | sort -u)
[ -n "$files" ] || fail "list engines -v names no engine file"
while read -r f; do
	case $f in "$p"/*) ;; *) fail "engine $f is not the install's" ;; esac
done <<<"$files"
"$m" generate slab-mix -o t.mmr --ops 2000 -q
MMREPLAY_SCHED=other "$m" replay t.mmr -e slub -o r -q
"$m" plot r -o plots >/dev/null
ls plots/slub/*.png >/dev/null 2>&1 || ls plots/*.png >/dev/null 2>&1 || fail "plot drew nothing"
# An installed example plan expands, its real trace found among the install's bundled traces.
"$m" plan show "$p/share/mmreplay/plans/vmalloc-threads.json" | grep -q "^kernel-stacks .* $p/share/mmreplay/traces/kernel-stacks.mmr\$" ||
	fail "the installed plan vmalloc-threads.json does not find the install's kernel-stacks.mmr"
# A bundled trace from the install validates against an installed engine.
MMREPLAY_SCHED=other "$m" validate "$p/share/mmreplay/traces/kernel-locks.mmr" -e slub -o v --no-plots -q
[ -s v/validate.json ] || fail "validate wrote no report"
# The completion, as bash-completion loads it, completes the install's engines.
got=$(PATH=$p/bin:$PATH bash -c 'source "$1"; COMP_WORDS=(mmreplay replay t.mmr -e sl); COMP_CWORD=4; _mmreplay; echo "${COMPREPLY[*]}"' _ \
	"$p/share/bash-completion/completions/mmreplay")
[ "$got" = slub ] || fail "the installed completion completes 'replay -e sl' to '$got', not slub"

# The engine SDK.  pkg-config finds it in the prefix (for /usr, where it looks anyway).
pc=$(find "$p"/lib* -maxdepth 3 -name mmreplay-engine.pc -print -quit)
[ -n "$pc" ] || fail "no mmreplay-engine.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --cflags mmreplay-engine)
[ -f "$(pkg-config --variable=includedir mmreplay-engine)/mmreplay/mmr_engine.h" ] ||
	fail "pkg-config's includedir does not hold mmreplay/mmr_engine.h: $cflags"
for h in "$p"/include/mmreplay/*.h; do
	printf '#include "%s"\nint main(void) { return 0; }\n' "$(basename "$h")" >h.c
	cc -std=gnu17 -Wall -Wextra -Werror -c h.c -o h.o $cflags 2>err.txt ||
		fail "$(basename "$h") does not compile alone: $(head -3 err.txt)"
done
# Nothing of the trace file API leaks into the SDK.
if grep -lE '#include .mmr_trace\.h|struct mmr_(reader|writer)|mmr_(reader|writer)_[a-z]+\(' "$p"/include/mmreplay/*.h >leak.txt; then
	fail "the SDK headers name the trace file API: $(cat leak.txt)"
fi
# The example engine, as installed (mmreplay-dev puts it in its own doc folder), built by its own Makefile.
example=
for d in "$p/share/doc/mmreplay/examples/engine" "$p/share/doc/mmreplay-dev/examples/engine"; do
	[ -f "$d/example.c" ] && [ -f "$d/Makefile" ] && example=$d
done
[ -n "$example" ] || fail "no example engine (example.c and Makefile) installed under $p/share/doc"
rm -rf ex && mkdir ex && cp "$example/example.c" "$example/Makefile" ex/
make -s -C ex CFLAGS="-O2 -Wall -Wextra -Werror" >make.log 2>&1 ||
	fail "the example does not build against the SDK: $(tail -5 make.log)"
[ -f ex/example.so ] || fail "make built no example.so"
"$m" list engines -v --engine-path "$work/ex/example.so" >list.txt
grep -A1 '^example ' list.txt | grep -q "file $work/ex/example.so" ||
	fail "the installed binary did not take the out-of-tree example: $(grep -A1 '^example ' list.txt)"
MMREPLAY_SCHED=other "$m" replay t.mmr --engine-path "$work/ex/example.so" -e example -t 2 -o rx -q
python3 - rx/example/results.json <<'PY' || fail "the replay on the out-of-tree example did no work"
import json, sys
res = json.load(open(sys.argv[1]))
assert res["engine"] == "example", res["engine"]
assert res["ops"]["alloc"]["count"] > 0 and res["ops"]["free"]["count"] > 0, res["ops"]
assert "peak_bytes" in res["engine_report"], res["engine_report"]
PY
# Without pkg-config's answer the Makefile says what is missing.
if PKG_CONFIG_PATH=/nonexistent PKG_CONFIG_LIBDIR=/nonexistent make -s -C ex clean example.so >nopc.log 2>&1; then
	fail "the example's Makefile built without the SDK"
fi
grep -q 'finds no mmreplay-engine' nopc.log || fail "no clear error without the SDK: $(cat nopc.log)"
echo "installed_check: the install in $p works from there, its SDK included"
