#!/usr/bin/env bash
# capture_rate.sh - how fast a live capture keeps up, mmreplay against perf record.
#
#   bench/capture_rate.sh BUILD_DIR [SECONDS] [RATE...]
#
# For each RATE (open/close calls per second of bench/kmem_load, about five
# slab events each) runs the load for SECONDS while first `mmreplay capture
# -e slab` and then `perf record -a` of the same four kmem tracepoints
# record it, both at their default buffer sizes.  Prints, per tool and
# rate: events recorded, events lost, CPU seconds of the recording process
# (user + system) and CPU seconds per million events, and the bytes per
# event of the files.  Root; needs linux-perf.
set -euo pipefail
build=${1:?usage: capture_rate.sh BUILD_DIR [SECONDS] [RATE...]}
secs=${2:-5}
shift $(($# >= 2 ? 2 : 1))
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(50000 100000 150000 200000 0)
mmr=$build/cli/mmreplay load=$build/bench/kmem_load
work=$(mktemp -d /tmp/mmr-rate-XXXXXX)
trap 'rm -rf "$work"' EXIT
events=(-e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free)
TIMEFORMAT='%U %S'

# cpu_of CMD...: run CMD, print "user+sys" seconds of it (its own output to $work/out).
cpu_of() {
	local t
	t=$({ time "$@" >"$work/out" 2>&1; } 2>&1)
	awk '{ printf "%.2f", $1 + $2 }' <<<"$t"
}

printf '| tool | load calls/s | events | events/s | lost | CPU s | CPU s per M events | bytes/event |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for rate in "${rates[@]}"; do
	"$load" "$secs" "$rate" >"$work/load.txt" &
	cpu=$(cpu_of "$mmr" capture -q -o "$work/t.mmr" -e slab -d "$secs")
	wait
	got=$(awk '{ print $4 }' "$work/load.txt")
	"$mmr" stats --json "$work/t.mmr" >"$work/s.json"
	n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["events"], d["trace"]["lost_events"])' "$work/s.json")
	ev=${n% *} lost=${n#* }
	size=$(stat -c %s "$work/t.mmr")
	awk -v r="$got" -v ev="$ev" -v lost="$lost" -v cpu="$cpu" -v s="$secs" -v sz="$size" 'BEGIN {
		printf "| mmreplay capture | %s | %d | %.0f | %d | %.2f | %.2f | %.2f |\n",
			r, ev, ev / s, lost, cpu, cpu / (ev / 1e6), sz / ev }'

	"$load" "$secs" "$rate" >"$work/load.txt" &
	cpu=$(cpu_of perf record -q -a "${events[@]}" -o "$work/p.data" -- sleep "$secs")
	wait
	got=$(awk '{ print $4 }' "$work/load.txt")
	ev=$(perf report -i "$work/p.data" --stats 2>/dev/null | awk '/^ *SAMPLE events:/ { print $3; exit }')
	lost=$(perf report -D -i "$work/p.data" 2>/dev/null |
		awk '/PERF_RECORD_LOST:/ { sub(/.*lost:/, ""); n += $1 } END { print n + 0 }')
	size=$(stat -c %s "$work/p.data")
	awk -v r="$got" -v ev="$ev" -v lost="$lost" -v cpu="$cpu" -v s="$secs" -v sz="$size" 'BEGIN {
		printf "| perf record | %s | %d | %.0f | %d | %.2f | %.2f | %.1f |\n",
			r, ev, ev / s, lost, cpu, cpu / (ev / 1e6), sz / ev }'
done
