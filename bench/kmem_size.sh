#!/usr/bin/env bash
# kmem_size.sh - bytes per event of the same kmem events as .mmr, perf.data
# and trace.dat, and the .mmr's write and read speed.
#
#   bench/kmem_size.sh BUILD_DIR [ROUNDS]
#
# As root, with linux-perf and zstd: `mmreplay capture --trace-dat` records
# around `perf record -a` of the same six kmem tracepoints, which records
# around `ls -R /usr/share/doc` run ROUNDS times (default 50), so both see
# the same events.  The perf.data is then imported with `mmreplay import`.
# Prints each file's size and bytes per event, and bench_trace's figures
# for the imported .mmr.
set -euo pipefail
build=${1:?usage: kmem_size.sh BUILD_DIR [ROUNDS]}
rounds=${2:-50}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-kmem-XXXXXX)
trap 'rm -rf "$work"' EXIT
events=(-e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free
	-e kmem:mm_page_alloc -e kmem:mm_page_free)
"$mmr" capture -q -o "$work/cap.mmr" --trace-dat "$work/cap.dat" -e slab,page -- \
	perf record -q -a "${events[@]}" -o "$work/perf.data" -- \
	sh -c "for i in \$(seq $rounds); do ls -R /usr/share/doc >/dev/null; done"
"$mmr" import -q "$work/perf.data" -o "$work/imported.mmr"
zstd -19 -T0 -q -c "$work/perf.data" >"$work/perf.data.zst"
count() { "$mmr" stats --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])'; }
cap=$(count "$work/cap.mmr") imp=$(count "$work/imported.mmr")
row() { awk -v f="$1" -v b="$(stat -c %s "$2")" -v n="$3" 'BEGIN { printf "| %s | %d | %d | %.2f |\n", f, n, b, b / n }'; }
echo "| file | events | bytes | bytes/event |"
echo "|---|---:|---:|---:|"
row "perf.data" "$work/perf.data" "$imp"
row "perf.data after zstd -19" "$work/perf.data.zst" "$imp"
row ".mmr imported from the perf.data" "$work/imported.mmr" "$imp"
row "trace.dat (capture --trace-dat)" "$work/cap.dat" "$cap"
row ".mmr (capture)" "$work/cap.mmr" "$cap"
echo
"$build/bench/bench_trace" --repeat 3 "$work/imported.mmr"
