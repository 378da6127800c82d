#!/usr/bin/env bash
# replay_scale.sh - a trace larger than memory: what generate, stats and
# replay hold resident on it, and the replay's throughput against a small
# trace's.
#
#   bench/replay_scale.sh BUILD_DIR [OPS] [ENGINE] [SMALL_OPS] [WORK_DIR]
#
# Generates slab-mix with OPS events (default 1G; 4 simulated CPUs, seed 1)
# and SMALL_OPS (default 5M), then prints one table row per command run on
# the big trace: maximum resident set (kB, /usr/bin/time), wall and CPU
# seconds; then the replay against ENGINE (default null) on 2 threads, of
# both traces, untimed, with the windows, slots and throughput results.json
# gives.  WORK_DIR (default a new directory in /var/tmp, removed after)
# needs room for the trace: about 5.4 bytes an event.
set -euo pipefail
build=${1:?usage: replay_scale.sh BUILD_DIR [OPS] [ENGINE] [SMALL_OPS] [WORK_DIR]}
ops=${2:-1G}
engine=${3:-null}
small=${4:-5M}
mmr=$(realpath "$build/cli/mmreplay")
if [ -n "${5:-}" ]; then
	work=$5
	mkdir -p "$work"
else
	work=$(mktemp -d /var/tmp/mmr-scale-XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi

# row LABEL CMD...: run CMD under /usr/bin/time, print its row.
row() {
	local label=$1
	shift
	/usr/bin/time -f '%M %e %U %S' -o "$work/time.txt" "$@" >/dev/null
	read -r kb wall user sys <"$work/time.txt"
	printf '| %s | %s | %s | %s |\n' "$label" "$kb" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

# replay_row TRACE LABEL: the replay's row, then its figures from results.json.
replay_row() {
	rm -rf "$work/out"
	row "replay $2 -e $engine -t 2 --no-timing" "$mmr" replay "$1" -e "$engine" -o "$work/out" -t 2 -q --no-timing
	python3 - "$work/out/$engine/results.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("|   %s: %d events, %d windows of %d ops, %d objects in %d slots, %.1f M ops/s |"
      % (sys.argv[2], d["replayed_events"], d["windows"], d["window_ops"], d["objects"], d["slots"],
         d["throughput_ops_s"] / 1e6))
PY
}

echo "| command | max resident kB | wall s | CPU s |"
echo "|---|---:|---:|---:|"
row "generate slab-mix --ops $ops" "$mmr" generate slab-mix -o "$work/big.mmr" --ops "$ops" --cpus 4 --seed 1 -q
echo "|   trace: $(stat -c %s "$work/big.mmr") bytes |"
row "stats --json ($ops)" "$mmr" stats "$work/big.mmr" --json
"$mmr" generate slab-mix -o "$work/small.mmr" --ops "$small" --cpus 4 --seed 1 -q
replay_row "$work/small.mmr" "$small"
replay_row "$work/big.mmr" "$ops"
