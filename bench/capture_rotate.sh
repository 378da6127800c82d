#!/usr/bin/env bash
# capture_rotate.sh - a long capture in rotated parts, read and replayed as one trace.
#
#   bench/capture_rotate.sh BUILD_DIR [SECONDS] [RATE] [MAX_SIZE] [KEEP] [DIR]
#
# Runs bench/kmem_load at RATE calls/s (default 102000, about 600 k slab
# events/s) for SECONDS (default 60) while `mmreplay capture -e slab
# --max-size MAX_SIZE --rotate KEEP` (default 8M, 3) records it into DIR
# (default /var/tmp/mmr-rotate), then: the parts left, the directory's
# `stats` (events, lost), `dump` line count against the parts' sum, and a
# replay of the directory on slub and null with its throughput, each
# command's time and maximum resident memory.  Root.
set -euo pipefail
build=${1:?usage: capture_rotate.sh BUILD_DIR [SECONDS] [RATE] [MAX_SIZE] [KEEP] [DIR]}
secs=${2:-60} rate=${3:-102000} size=${4:-8M} keep=${5:-3} dir=${6:-/var/tmp/mmr-rotate}
mmr=$build/cli/mmreplay
rm -rf "$dir" "$dir.replay"

# timed LABEL CMD...: run CMD, print its wall time and maximum resident set.
timed() {
	local label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$dir.time" "$@" >"$dir.out" 2>"$dir.err"
	read -r wall kb <"$dir.time"
	printf '%s: %s s, %d MB max resident\n' "$label" "$wall" $((kb / 1024))
}

"$build/bench/kmem_load" "$secs" "$rate" >/dev/null &
timed "capture (${secs} s, --max-size $size --rotate $keep)" \
	"$mmr" capture -o "$dir" --max-size "$size" --rotate "$keep" -e slab -d "$secs"
wait
grep -E "events in|parts written|lost" "$dir.err"
ls -l "$dir"
total=0
for p in "$dir"/*.mmr; do
	n=$("$mmr" stats --json "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
	total=$((total + n))
done
timed "stats of the directory" "$mmr" stats --json "$dir"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("directory:", d["events"], "events, lost", d["trace"]["lost_events"])' "$dir.out"
echo "parts kept, summed: $total events"
for engine in slub null; do
	timed "replay $engine -t 2 -r 3" "$mmr" replay "$dir" -e "$engine" -t 2 -r 3 -q -o "$dir.replay"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  trace events", d["trace_events"], "replayed", d["replayed_events"], "skipped", d["skipped_events"], "throughput %.2f M ops/s" % (d["throughput_ops_s"] / 1e6))' "$dir.replay/$engine/results.json"
done
rm -f "$dir.time" "$dir.out" "$dir.err"
