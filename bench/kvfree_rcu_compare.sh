#!/usr/bin/env bash
# kvfree_rcu_compare.sh - where kvfree_rcu()'s block page comes from, under a
# flood that exhausts the pcp lists: kvfree-rcu-nowait, -lockless and -pool
# against the callrcu and sync baselines.
#
#   bench/kvfree_rcu_compare.sh BUILD_DIR [OPS] [ENGINE_OPTS...]
#
# Generates a kfree-rcu-flood trace (2 simulated CPUs, seed 1, OPS events,
# default 400000: half kvfree_rcu() calls, a quarter of them headless,
# bursts of 8000 per CPU) and replays it as fast as it goes (asap: the
# pauses between bursts vanish, so block pages are needed far faster than
# the pcp lists hold them: the default pcp high is 90 pages, a burst needs
# 16 and a batch stays 20 ms plus a grace period) on 1 and 2 threads, 3
# runs each, printing per row: kvfree_rcu() call p50/p99/p99.9 (ns),
# fallbacks per 1000 calls (rcu_head list, synchronize_rcu), block pages
# (peak), pool pages (peak), objects waiting (peak), grace period hand-off
# to reclaim (mean ms), zone->lock acquisitions and krcp->lock contended
# acquisitions.  ENGINE_OPTS (e.g. -O pcp_high=16) go to every replay.
set -euo pipefail
build=${1:?usage: kvfree_rcu_compare.sh BUILD_DIR [OPS] [ENGINE_OPTS...]}
ops=${2:-400000}
shift $(($# >= 2 ? 2 : 1))
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-kvfree-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$mmr" generate kfree-rcu-flood -o "$work/flood.mmr" --seed 1 --cpus 2 --ops "$ops" --headless-pct 25 -q
echo "| engine | threads | call p50 | call p99 | call p99.9 | rcu_head fb /1000 | sync fb /1000 | block pages peak | pool pages peak | waiting peak | GP mean ms | zone->lock acq | krcp->lock contended |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for th in 1 2; do
	for v in nowait lockless pool callrcu sync; do
		e=kvfree-rcu-$v
		"$mmr" replay "$work/flood.mmr" -e "$e" -o "$work/out" -t "$th" --repeat 3 -q "$@"
		python3 - "$work/out/$e/results.json" "$e" "$th" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c, r = d["ops"]["kvfree_rcu"], d["engine_report"]
locks = {l["name"]: l for l in d["locks"]}
zl = locks.get("zone->lock", {}).get("acquisitions", 0)
kc = locks.get("krcp->lock", {}).get("contended", 0)
print(f"| {sys.argv[2]} | {sys.argv[3]} | {c['p50_ns']:.0f} | {c['p99_ns']:.0f} | {c['p999_ns']:.0f} "
      f"| {r['fallback_rcu_head_per_1000']:.1f} | {r['fallback_sync_per_1000']:.1f} | {r['block_pages_peak']} "
      f"| {r['pool_pages_peak']} | {r['waiting_peak']} | {r['gp_ns_mean'] / 1e6:.2f} | {zl} | {kc} |")
PY
	done
done
