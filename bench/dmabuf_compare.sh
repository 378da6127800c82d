#!/usr/bin/env bash
# dmabuf_compare.sh - the four dma-buf vmap rules on fbdev-damage.
#
#   bench/dmabuf_compare.sh BUILD_DIR [OPS]
#
# Generates fbdev-damage (2 simulated CPUs, seed 1, OPS events, default
# 100000, --move-pct 30: TTM moves the framebuffer now and then) and
# replays it against each rule on 1 and 2 threads, 3 runs each, with the
# engines' defaults (2 MiB of damage copied per frame, the evictor every
# 1 ms).  Prints per row: vmap p50/p99 and vunmap p99 (ns; vunmap holds
# the copy), kernel mappings built (all runs), frames missing the 16.7 ms deadline, the trace's moves that
# failed (pinned), the evictor's failures, moves that went through under
# a mapping in use, dma_resv's total wait (ms, all runs), and the
# replay's throughput, mean of the 3 runs (k ops/s).
set -euo pipefail
build=${1:?usage: dmabuf_compare.sh BUILD_DIR [OPS]}
ops=${2:-100000}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-dmabuf-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$mmr" generate fbdev-damage -o "$work/t.mmr" --seed 1 --cpus 2 --ops "$ops" --move-pct 30 -q

echo "| engine | threads | vmap p50 | vmap p99 | vunmap p99 | maps built | frames | missed | move failures | eviction failures | moved while mapped | dma_resv wait ms | k ops/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in 1 2; do
	for e in dmabuf-vmap-pin dmabuf-vmap-locked dmabuf-vmap-cached dmabuf-attach-pin; do
		"$mmr" replay "$work/t.mmr" -e "$e" -o "$work/out" -t "$t" --repeat 3 -q
		python3 - "$work/out/$e/results.json" "$e" "$t" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o, r = d["ops"], d["engine_report"]
lock = next((l for l in d["locks"] if l["name"] == "dma_resv"), {"wait_ns_total": 0})
print(f"| {sys.argv[2]} | {sys.argv[3]} | {o['vmap']['p50_ns']:.0f} | {o['vmap']['p99_ns']:.0f} | {o['vunmap']['p99_ns']:.0f} "
      f"| {r['maps_built']} | {r['frames']} | {r['missed_frames']} | {r['move_failures']} of {r['moves'] + r['move_failures']} "
      f"| {r['eviction_failures']} of {r['evictions'] + r['eviction_failures']} | {r['moved_while_mapped']} "
      f"| {lock['wait_ns_total'] / 1e6:.1f} | {d['throughput_ops_s'] / 1e3:.1f} |")
PY
	done
done
