#!/usr/bin/env bash
# import_speed.sh - `mmreplay import` against `perf script` on the same perf.data.
#
#   bench/import_speed.sh BUILD_DIR [ROUNDS]
#
# As root, with linux-perf: records kmem:kmalloc, kfree, kmem_cache_alloc,
# kmem_cache_free, mm_page_alloc and mm_page_free with `perf record -a`
# while `ls -R /usr/share/doc` runs ROUNDS times (default 50; it must give
# at least a million events), then times, best of 3 each,
#   mmreplay import perf.data -o kmem.mmr
#   perf script -i perf.data > /dev/null
# and prints events, seconds, events/s, the speed ratio, and bytes per
# event of perf.data and of the .mmr.
set -euo pipefail
build=${1:?usage: import_speed.sh BUILD_DIR [ROUNDS]}
rounds=${2:-50}
mmreplay=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-import-speed-XXXXXX)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

events=(-e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free
	-e kmem:mm_page_alloc -e kmem:mm_page_free)
perf record -q -a "${events[@]}" -o "$work/perf.data" -- \
	sh -c "for i in \$(seq $rounds); do ls -R /usr/share/doc >/dev/null; done" 2>/dev/null

# best3 CMD...: the shortest wall time of three runs, in seconds.
best3() {
	local best= t0 t1 t
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s.%N)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}

"$mmreplay" import "$work/perf.data" -o "$work/kmem.mmr" >"$work/import.txt"
cat "$work/import.txt"
n=$(sed -n 's/^wrote [^:]*: \([0-9]*\) events .*/\1/p' "$work/import.txt")
if [ "$n" -lt 1000000 ]; then
	echo "only $n events: run with more ROUNDS (at least a million events are wanted)" >&2
	exit 1
fi
ti=$(best3 "$mmreplay" import -q "$work/perf.data" -o "$work/kmem.mmr")
tp=$(best3 sh -c "perf script -i '$work/perf.data' >/dev/null")
pd=$(stat -c %s "$work/perf.data")
md=$(stat -c %s "$work/kmem.mmr")
awk -v n="$n" -v ti="$ti" -v tp="$tp" -v pd="$pd" -v md="$md" 'BEGIN {
	printf "events            %d\n", n
	printf "mmreplay import   %.3f s  %.2f M events/s\n", ti, n / ti / 1e6
	printf "perf script       %.3f s  %.2f M events/s\n", tp, n / tp / 1e6
	printf "ratio             %.1fx faster\n", tp / ti
	printf "perf.data         %d bytes, %.1f bytes/event\n", pd, pd / n
	printf ".mmr              %d bytes, %.2f bytes/event\n", md, md / n
}'
