#!/usr/bin/env bash
# replay_null.sh - what the replay harness itself costs: the null engine.
#
#   bench/replay_null.sh BUILD_DIR [OPS] [REPEAT]
#
# Generates slab-mix with OPS events (default 5M, 4 simulated CPUs, seed 1),
# then replays it against the null engine on 1 and 2 threads, with and
# without timing, REPEAT runs each (default 5).  Prints per configuration
# the mean throughput (all threads), the ns per op per thread, and for the
# timed runs the timer's own cost and the null call's measured latency
# (which should be the timer's cost: there is nothing else inside).
set -euo pipefail
build=${1:?usage: replay_null.sh BUILD_DIR [OPS] [REPEAT]}
ops=${2:-5M}
rep=${3:-5}
mmr=$build/cli/mmreplay
work=$(mktemp -d /tmp/mmr-replay-null-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$mmr" generate slab-mix -o "$work/t.mmr" --ops "$ops" --cpus 4 --seed 1 -q
echo "| threads | timing | M ops/s (all threads) | ns per op per thread | timer cost ns | null alloc p50 ns, timer included | 95% CI of M ops/s |"
echo "|---:|---|---:|---:|---:|---:|---|"
for t in 1 2; do
	for timing in on off; do
		flag=()
		[ $timing = off ] && flag=(--no-timing)
		"$mmr" replay "$work/t.mmr" -e null -o "$work/out" -t $t --repeat "$rep" -q "${flag[@]}"
		python3 - "$work/out/null/results.json" $t $timing <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = int(sys.argv[2]); timed = sys.argv[3] == "on"
tp = d["throughput_ops_s"]; st = d["repeat_stats"]["throughput_ops_s"]
ns = 1e9 / (tp / t)
p50 = d["ops"]["alloc"]["p50_ns"]
raw = (p50 + d["timer_overhead_ns"]) if timed else None
print("| %d | %s | %.1f | %.1f | %s | %s | %.1f .. %.1f |" % (t, sys.argv[3], tp / 1e6, ns,
      "%.1f" % d["timer_overhead_ns"] if timed else "-", "%.1f" % raw if timed else "-",
      st["ci95_low"] / 1e6, st["ci95_high"] / 1e6))
PY
	done
done
