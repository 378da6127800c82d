#!/usr/bin/env bash
# sdk_check.sh BUILD_DIR SOURCE_DIR WORK_DIR - the engine SDK is complete
# (issue 19 §2): installed into a prefix, each public header compiles on its
# own against that prefix alone, the example engine builds outside the tree
# with its own Makefile and pkg-config, links with no undefined symbol, and
# the installed binary loads it with --engine-path and replays a trace on it.
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "sdk_check: $*" >&2; exit 1; }
cmake --install "$build" --prefix "$work/p" >"$work/install.log"
p=$work/p m=$work/p/bin/mmreplay
unset MMREPLAY_ENGINE_PATH MMREPLAY_PLOTS_DIR MMREPLAY_TRACES_DIR
pc=$(find "$p" -name mmreplay-engine.pc)
[ -n "$pc" ] || fail "no mmreplay-engine.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --cflags mmreplay-engine)
case $cflags in *"$p"*) ;; *) fail "pkg-config --cflags does not point into the install: $cflags" ;; esac
# Every installed header stands alone, seen from the install only (no -I into the source tree).
cd "$work"
for h in "$p"/include/mmreplay/*.h; do
	printf '#include "%s"\nint main(void) { return 0; }\n' "$(basename "$h")" >h.c
	cc -std=gnu17 -Wall -Wextra -Werror -c h.c -o h.o $cflags 2>err.txt ||
		fail "$(basename "$h") does not compile alone: $(head -3 err.txt)"
done
# Nothing of the trace file API leaks into the SDK.
if grep -lE '#include .mmr_trace\.h|struct mmr_(reader|writer)|mmr_(reader|writer)_[a-z]+\(' "$p"/include/mmreplay/*.h >leak.txt; then
	fail "the SDK headers name the trace file API: $(cat leak.txt)"
fi
# The example engine, built by its own Makefile outside the tree.
mkdir ex && cp "$src/engines/example/example.c" "$src/engines/example/Makefile" ex/
make -s -C ex CFLAGS="-O2 -Wall -Wextra -Werror" >make.log 2>&1 ||
	fail "the example does not build against the SDK: $(tail -5 make.log)"
[ -f ex/example.so ] || fail "make built no example.so"
"$m" list engines -v --engine-path "$work/ex/example.so" >list.txt
grep -A1 '^example ' list.txt | grep -q "file $work/ex/example.so" ||
	fail "the installed binary did not take the out-of-tree example: $(grep -A1 '^example ' list.txt)"
"$m" generate slab-mix -o t.mmr --ops 2000 -q
MMREPLAY_SCHED=other "$m" replay t.mmr --engine-path "$work/ex/example.so" -e example -t 2 -o r -q
python3 - r/example/results.json <<'PY' || fail "the replay on the out-of-tree example did no work"
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
echo "sdk_check: the example engine builds against the installed SDK and replays"
