#!/usr/bin/env bash
# cma_compare.sh - the four CMA variants on one hugetlb-cma trace, 1 and 2 threads.
#
#   bench/cma_compare.sh BUILD_DIR [TRACE] [ENGINES]
#
# Without TRACE, generates one: `generate hugetlb-cma --seed 1 --cpus 2
# --ops 20000 --nowait-pct 50` (8 gigantic pages of order 18, half the
# releases atomic).  Each of the comma-separated ENGINES (default the four
# cma-* variants) replays it on 1 and 2 threads, 3 runs each (--repeat 3),
# each engine in an mmreplay run of its own.  Extra replay arguments, e.g.
# engine options, come from $CMA_OPTS ("-O migrate_ns=1 -O mode=fail-fast").
#
# Prints one table row per engine and thread count: the calls of the runs
# together (results.json ops.OP) for alloc, release and release_nowait
# (p50, p99, max), and from the last run's engine_report the alloc p99 of
# allocations that waited for a workqueue flush and of those that did not,
# atomic sleeps, flush waits; then cma->lock's acquisitions, contended ones
# and wait (total and max) from the lock table, summed over the runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: cma_compare.sh BUILD_DIR [TRACE] [ENGINES]}
trace=${2:-}
engines=${3:-cma-mutex,cma-nowait,cma-spinlock,cma-lockless-clear}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-cma-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -z "$trace" ]; then
	trace=$work/hugetlb-cma.mmr
	"$mmr" generate hugetlb-cma -o "$trace" --seed 1 --cpus 2 --ops 20000 --nowait-pct 50 -q
fi
read -r -a extra <<<"${CMA_OPTS:-}"

echo "| engine | threads | alloc calls (failed) | alloc p50 / p99 / max µs | alloc p99 µs: flush wait (n) / none | release p50 / p99 / max µs | release_nowait p50 / p99 / max µs | atomic sleeps | cma->lock acq (contended) | cma->lock wait total / max µs |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
IFS=, read -r -a list <<<"$engines"
for e in "${list[@]}"; do
	for t in 1 2; do
		"$mmr" replay "$trace" -e "$e" -o "$work/out" -t $t --repeat 3 -q "${extra[@]}"
		python3 - "$work/out/$e/results.json" "$e" $t <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o, r = d["ops"], d["engine_report"]
L = {l["name"]: l for l in d["locks"]}
us = lambda ns: f"{ns / 1000:.1f}"
def lat(op):
    x = o.get(op)
    return f"{us(x['p50_ns'])} / {us(x['p99_ns'])} / {us(x['max_ns'])}" if x and x["count"] else "-"
a, c = o["alloc"], L.get("cma->lock", {})
fw = f"{us(r['alloc_p99_ns_flush_wait'])} ({r['allocs_after_flush_wait']})" if r["allocs_after_flush_wait"] else "- (0)"
print(f"| {sys.argv[2]} | {sys.argv[3]} | {a['count']} ({a['failed']}) | {lat('alloc')} | {fw} / {us(r['alloc_p99_ns_no_flush_wait'])} "
      f"| {lat('release')} | {lat('release_nowait')} | {r['atomic_sleeps']} "
      f"| {c.get('acquisitions', 0)} ({c.get('contended', 0)}) | {us(c.get('wait_ns_total', 0))} / {us(c.get('wait_ns_max', 0))} |")
PY
	done
done
