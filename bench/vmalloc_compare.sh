#!/usr/bin/env bash
# vmalloc_compare.sh - vmalloc-global against vmalloc-nodes on vmalloc-test.
#
#   bench/vmalloc_compare.sh BUILD_DIR [OPS]
#
# Generates vmalloc-test traces (4 simulated CPUs, seed 1, OPS events,
# default 400000) of the fix-size test alone (--tests 1: one page, vmalloc
# and vfree) and the random-size test alone (--tests 4: 1..100 pages), and
# replays each on 1, 2 and 4 threads (4 oversubscribes a 2-CPU machine:
# the replay says so) against both engines, 3 runs each, printing per row:
# alloc and free p50/p99/p99.9 (ns), ops/s (mean of the runs),
# free_vmap_area_lock acquisitions per 1000 ops and its total wait, and the
# share of allocations the node pools served.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: vmalloc_compare.sh BUILD_DIR [OPS]}
ops=${2:-400000}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-vmalloc-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "| test | engine | threads | alloc p50 | alloc p99 | alloc p99.9 | free p50 | free p99 | free p99.9 | M ops/s | lock per 1000 ops | lock wait ms | pool hits % |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in fix-size:1 random-size:4; do
	name=${t%%:*}
	"$mmr" generate vmalloc-test -o "$work/$name.mmr" --seed 1 --cpus 4 --ops "$ops" --tests "${t#*:}" -q
	for th in 1 2 4; do
		for e in vmalloc-global vmalloc-nodes; do
			"$mmr" replay "$work/$name.mmr" -e "$e" -o "$work/out" -t "$th" --repeat 3 -q
			python3 - "$work/out/$e/results.json" "$name" "$e" "$th" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a, f, r = d["ops"]["alloc"], d["ops"]["free"], d["engine_report"]
lock = next(l for l in d["locks"] if l["name"] == "free_vmap_area_lock")
ops = sum(o["count"] for o in d["ops"].values())
hits = 100.0 * r["pool_hits"] / r["allocs"] if r["allocs"] else 0
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {a['p50_ns']:.0f} | {a['p99_ns']:.0f} | {a['p999_ns']:.0f} "
      f"| {f['p50_ns']:.0f} | {f['p99_ns']:.0f} | {f['p999_ns']:.0f} | {d['throughput_ops_s'] / 1e6:.2f} "
      f"| {1000.0 * lock['acquisitions'] / ops:.0f} | {lock['wait_ns_total'] / 1e6:.1f} | {hits:.0f} |")
PY
		done
	done
done
