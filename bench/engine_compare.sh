#!/usr/bin/env bash
# engine_compare.sh - several engines on one real trace, 1 and 2 threads.
#
#   bench/engine_compare.sh BUILD_DIR [TRACE] [ENGINES]
#
# Replays TRACE (default workloads/traces/fork-exec.mmr: of the bundled
# traces the one with the most slab events, 232k against fs-walk's 161k and
# stress-ng-mix's 85k) against each of the comma-separated ENGINES
# (default slub,libc,jemalloc,mimalloc,tcmalloc; the page engines are
# page-zonelock,page-pcp) on 1 and 2 threads, 3 runs each (--repeat 3), and
# prints engine x threads x op (alloc, free) with the p50, p99 and p99.9
# latency of the runs' calls together (results.json ops.OP), and, for
# engines that report it, zone->lock acquisitions per 1000 page operations.
# An engine this build lacks, or one that says it cannot run here (its
# library missing), is skipped with a note on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: engine_compare.sh BUILD_DIR [TRACE] [ENGINES]}
trace=${2:-$here/workloads/traces/fork-exec.mmr}
engines=${3:-slub,libc,jemalloc,mimalloc,tcmalloc}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-engine-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$mmr" list engines >"$work/engines.txt"
echo "| engine | threads | op | calls | p50 ns | p99 ns | p99.9 ns | zone->lock per 1000 ops |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
IFS=, read -r -a list <<<"$engines"
for e in "${list[@]}"; do
	line=$(grep -E "^$e " "$work/engines.txt" || true)
	if [ -z "$line" ]; then
		echo "engine_compare.sh: skipping $e: no such engine in this build" >&2
		continue
	fi
	if [[ $line == *"(unavailable: "* ]]; then
		echo "engine_compare.sh: skipping $e: ${line#*(unavailable: }" >&2
		continue
	fi
	for t in 1 2; do
		"$mmr" replay "$trace" -e "$e" -o "$work/out" -t $t --repeat 3 -q
		python3 - "$work/out/$e/results.json" "$e" $t <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for op in ("alloc", "free"):
    o = d["ops"].get(op)
    if not o:
        continue
    per = d.get("engine_report", {}).get("zone_lock_per_1000_ops")
    per = "" if per is None else f"{per:.1f}"
    print(f"| {sys.argv[2]} | {sys.argv[3]} | {op} | {o['count']} | {o['p50_ns']:.0f} | {o['p99_ns']:.0f} | {o['p999_ns']:.0f} | {per} |")
PY
	done
done
