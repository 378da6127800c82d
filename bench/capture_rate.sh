#!/usr/bin/env bash
# capture_rate.sh - how fast a live capture keeps up, mmreplay against perf record.
#
#   bench/capture_rate.sh BUILD_DIR [SECONDS] [RATE...]
#   REPEAT=N bench/capture_rate.sh ...     (default 3)
#
# For each RATE (open/close calls per second of bench/kmem_load, about six
# slab events each; 0: flat out) runs the load for SECONDS while `mmreplay
# capture -e slab` records it, then again while `perf record -a` of the
# same four kmem tracepoints does, both at their default buffer sizes, and
# repeats the pair REPEAT times (the two tools alternate, so drift in the
# machine's speed falls on both).  Prints a row per run: events recorded,
# events lost, CPU seconds of the recording process (user + system), CPU
# seconds per million events, and bytes per event of the file.  Then a
# summary per rate: each tool's median CPU seconds and CPU per million
# events, their ratios, and the most events either lost in any run.  Root; needs
# linux-perf.
set -euo pipefail
build=${1:?usage: capture_rate.sh BUILD_DIR [SECONDS] [RATE...]}
secs=${2:-10}
shift $(($# >= 2 ? 2 : 1))
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(51000 102000 153000)
repeat=${REPEAT:-3}
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

# row TOOL RATE EVENTS LOST CPU BYTES: one run's table row, and its line in $work/runs.
row() {
	local got
	got=$(awk '{ print $4 }' "$work/load.txt")
	echo "$1 $2 $3 $4 $5" >>"$work/runs"
	awk -v t="$1" -v r="$got" -v ev="$3" -v lost="$4" -v cpu="$5" -v s="$secs" -v sz="$6" 'BEGIN {
		printf "| %s | %s | %d | %.0f | %d | %.2f | %.3f | %.2f |\n",
			t, r, ev, ev / s, lost, cpu, cpu / (ev / 1e6), sz / ev }'
}

run_mmreplay() {
	"$load" "$secs" "$1" >"$work/load.txt" &
	local cpu
	cpu=$(cpu_of "$mmr" capture -q -o "$work/t.mmr" -e slab -d "$secs")
	wait
	"$mmr" stats --json "$work/t.mmr" >"$work/s.json"
	local n
	n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["events"], d["trace"]["lost_events"])' "$work/s.json")
	row "mmreplay" "$1" "${n% *}" "${n#* }" "$cpu" "$(stat -c %s "$work/t.mmr")"
}

run_perf() {
	"$load" "$secs" "$1" >"$work/load.txt" &
	local cpu ev lost
	cpu=$(cpu_of perf record -q -a "${events[@]}" -o "$work/p.data" -- sleep "$secs")
	wait
	# The aggregated section counts samples; each event's own section, the samples it lost.
	perf report -i "$work/p.data" --stats >"$work/p.stats" 2>/dev/null
	ev=$(awk '/^ *SAMPLE events:/ { print $3; exit }' "$work/p.stats")
	lost=$(awk '/ stats:$/ { ev = !/^Aggregated/ } ev && /LOST_SAMPLES events:/ { n += $3 } END { print n + 0 }' "$work/p.stats")
	row "perf" "$1" "$ev" "$lost" "$cpu" "$(stat -c %s "$work/p.data")"
}

printf '| tool | load calls/s | events | events/s | lost | CPU s | CPU s per M events | bytes/event |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
: >"$work/runs"
for rate in "${rates[@]}"; do
	for ((i = 0; i < repeat; i++)); do
		run_mmreplay "$rate"
		run_perf "$rate"
	done
done

# Summary: per rate, each tool's median CPU seconds and CPU per M events recorded, their
# ratios, and the most events lost.  perf record also records its own allocations (writing
# its file), which mmreplay leaves out, so the CPU seconds under the same load are the
# fairer ratio; both are shown.
echo
printf '| load calls/s | mmreplay events/s | perf events/s | mmreplay CPU s | perf CPU s | ratio | mmreplay CPU s/M | perf CPU s/M | ratio | mmreplay most lost | perf most lost |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for rate in "${rates[@]}"; do
	awk -v rate="$rate" -v s="$secs" '
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$2 == rate {
		k = $1; n[k]++; c[k, n[k]] = $5 / ($3 / 1e6); u[k, n[k]] = $5; e[k] += $3
		if ($4 > lost[k]) lost[k] = $4
	}
	END {
		for (k in n) {
			for (i = 1; i <= n[k]; i++) v[i] = c[k, i]
			med[k] = median(v, n[k])
			for (i = 1; i <= n[k]; i++) v[i] = u[k, i]
			cpu[k] = median(v, n[k])
		}
		printf "| %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f | %d | %d |\n", rate,
			e["mmreplay"] / n["mmreplay"] / s, e["perf"] / n["perf"] / s, cpu["mmreplay"], cpu["perf"],
			cpu["mmreplay"] / cpu["perf"], med["mmreplay"], med["perf"], med["mmreplay"] / med["perf"],
			lost["mmreplay"], lost["perf"]
	}' "$work/runs"
done
