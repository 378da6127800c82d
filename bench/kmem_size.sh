#!/usr/bin/env bash
# kmem_size.sh - bytes per event of .mmr against perf.data on a real kmem trace.
#
#   bench/kmem_size.sh BUILD_DIR [SECONDS-OF-WORK]
#
# Records kmem allocation/free tracepoints with `perf record` (root) while a
# file-system walk runs, converts `perf script` output to .mmr with
# bench/perf_script_to_mmr, and prints perf.data size, its size after
# `zstd -19`, and the .mmr size and speed from bench_trace.
set -euo pipefail
build=${1:?usage: kmem_size.sh BUILD_DIR [ROUNDS]}
rounds=${2:-200}
work=$(mktemp -d /tmp/mmr-kmem-XXXXXX)
trap 'rm -rf "$work"' EXIT
events=(-e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free
	-e kmem:mm_page_alloc -e kmem:mm_page_free)
perf record -q -a "${events[@]}" -o "$work/perf.data" -- \
	sh -c "for i in \$(seq $rounds); do ls -R /usr/share/doc >/dev/null; done"
perf script -i "$work/perf.data" --ns -F comm,pid,cpu,time,event,trace 2>/dev/null >"$work/kmem.txt"
"$build/bench/perf_script_to_mmr" "$work/kmem.txt" "$work/kmem.mmr"
n=$(grep -c ' kmem:' "$work/kmem.txt")
pd=$(stat -c %s "$work/perf.data")
pz=$(zstd -19 -T0 -q -c "$work/perf.data" | wc -c)
awk -v n="$n" -v pd="$pd" -v pz="$pz" 'BEGIN {
	printf "events %d\nperf.data %d bytes, %.1f bytes/event\n", n, pd, pd / n
	printf "perf.data | zstd -19: %d bytes, %.2f bytes/event\n", pz, pz / n }'
"$build/bench/bench_trace" --repeat 3 "$work/kmem.mmr"
