#!/usr/bin/env bash
# zsmalloc_compare.sh - zsmalloc-pinbit against zsmalloc-migrate-lock on
# zram-swap, the compaction worker running.
#
#   bench/zsmalloc_compare.sh BUILD_DIR [OPS] [INTERVAL_US]
#
# Generates a zram-swap trace (2 simulated CPUs, seed 1, OPS events, default
# 400000, compaction requested every 5 ms of trace time on top of the
# worker) and replays it on 1 and 2 threads against both engines, 3 runs
# each (the figures are the last run's), the worker compacting and
# migrating 16 pages every INTERVAL_US (default 1000).  Per row: map and
# free p50/p99 (ns), compaction pause p50/p99/max (ns: one stretch the
# compactor held its exclusive lock, migrate_lock's write side or
# class->lock), pages freed by compaction per second of the run, objects
# moved, backoffs (migrate_lock contended / pinned objects skipped), and
# the contention of the lock the variants differ in: pool->migrate_lock
# (read and write) or the handle pin bit, as contended acquisitions and
# total wait; and the replay's throughput, mean of the 3 runs (M ops/s).
set -euo pipefail
build=${1:?usage: zsmalloc_compare.sh BUILD_DIR [OPS] [INTERVAL_US]}
ops=${2:-400000}
interval=${3:-1000}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-zsmalloc-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$mmr" generate zram-swap -o "$work/z.mmr" --seed 1 --cpus 2 --ops "$ops" --compact-ms 5 -q
echo "| engine | threads | map p50 | map p99 | free p50 | free p99 | pause p50 | pause p99 | pause max | pages freed/s | moved | backoffs | lock: contended / acquired, wait ms | M ops/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for th in 1 2; do
	for e in zsmalloc-pinbit zsmalloc-migrate-lock; do
		"$mmr" replay "$work/z.mmr" -e "$e" -o "$work/out" -t "$th" --repeat 3 -q \
			-O interval_us="$interval" -O migrate_pages=16
		python3 - "$work/out/$e/results.json" "$e" "$th" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m, f, r = d["ops"]["map"], d["ops"]["free"], d["engine_report"]
name = "handle pin bit" if sys.argv[2].endswith("pinbit") else "pool->migrate_lock"
locks = "; ".join(f"{l['side']} {l['contended']} / {l['acquisitions']}, {l['wait_ns_total'] / 1e6:.2f}"
                  for l in d["locks"] if l["name"] == name)
back = r["pin_busy"] + r["migrate_backoffs"] if sys.argv[2].endswith("pinbit") else r["backoffs"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {m['p50_ns']:.0f} | {m['p99_ns']:.0f} | {f['p50_ns']:.0f} | {f['p99_ns']:.0f} "
      f"| {r['pause_p50_ns']} | {r['pause_p99_ns']} | {r['pause_max_ns']} | {r['pages_freed_per_s']:.0f} "
      f"| {r['objs_moved']} | {back} | {locks} | {d['throughput_ops_s'] / 1e6:.2f} |")
PY
	done
done
