#!/usr/bin/env bash
# validate_loads.sh - capture the kernel's own lock contention under loads
# that work its allocators, and set each capture's models beside it.
#
#   bench/validate_loads.sh BUILD_DIR [OUTDIR] [LOAD...]
#
# LOAD is a mode of bench/lock_load, MODE[:SECONDS] (default: all of pages
# threads bpf slab; bench/VALIDATE_LOADS.md says what each contends on
# this machine).  `bpf:1.2` remakes workloads/traces/kernel-locks.mmr.
# For each, `mmreplay capture -e slab,page,vmalloc,lock` records the whole
# system while the load runs (not -F: frees and lock waits happen in
# kworkers and RCU callbacks), then `mmreplay validate` replays the capture
# against the engines and compares their lock contention with the
# kernel's.  Prints per load: events, events lost, the .mmr size, the
# kernel's lock waits and total wait, its most contended lock, and where
# the capture and the validate reports are.  The captures stay in OUTDIR
# (default ./validate-loads).  Needs root (capture records tracepoints).
set -euo pipefail
build=${1:?usage: validate_loads.sh BUILD_DIR [OUTDIR] [LOAD...]}
out=${2:-validate-loads}
shift $(($# >= 2 ? 2 : 1))
loads=("$@")
[ ${#loads[@]} -gt 0 ] || loads=(pages threads bpf slab)
mmr=$build/cli/mmreplay load=$build/bench/lock_load
if [ "$(id -u)" -ne 0 ]; then
	echo "validate_loads.sh: needs root: mmreplay capture records the kernel's tracepoints" >&2
	exit 1
fi
[ -x "$load" ] || { echo "validate_loads.sh: $load not built" >&2; exit 1; }
mkdir -p "$out"

# Seconds per load: the page flood makes about 1.4 M page events a second
# and a 64 MiB-per-CPU ring buffer still dropped 14% of a 3 s run (measured
# here, VALIDATE_LOADS.md), so it runs for 1 s with a larger buffer.
secs_of() { case $1 in pages) echo 1 ;; *) echo 3 ;; esac; }
buffer_kb=131072

# validate is new; a build without it still captures.
have_validate=1
"$mmr" help validate >/dev/null 2>&1 || have_validate=0

printf '| load | load ops | events | lost | .mmr MB | lock waits | wait ms | top lock (waits) |\n'
printf '|---|---|---:|---:|---:|---:|---:|---|\n'
for spec in "${loads[@]}"; do
	l=${spec%%:*} secs=${spec#*:}
	[ "$secs" != "$spec" ] || secs=$(secs_of "$l")
	t=$out/$l.mmr
	"$mmr" capture -q -b "$buffer_kb" -e slab,page,vmalloc,lock -o "$t" -- \
		"$load" "$l" "$secs" >"$out/$l.load.txt"
	"$mmr" stats --json "$t" >"$out/$l.stats.json"
	python3 - "$out/$l.stats.json" "$l" "$(cat "$out/$l.load.txt")" "$(stat -c %s "$t")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lc = d.get("lock_contention") or {"contended": 0, "wait_total_ns": 0, "locks": []}
top = max(lc["locks"], key=lambda k: k["contended"], default=None)
name = f"{top.get('name') or top['symbol'] or top['addr']} {top['type']} ({top['contended']})" if top else "-"
ops = sys.argv[3].split(": ", 1)[-1]
print(f"| {sys.argv[2]} | {ops} | {d['events']} | {d['trace']['lost_events']} "
      f"| {int(sys.argv[4]) / 1e6:.1f} | {lc['contended']} | {lc['wait_total_ns'] / 1e6:.1f} | {name} |")
PY
done
echo
for spec in "${loads[@]}"; do
	l=${spec%%:*}
	if [ "$have_validate" = 0 ]; then
		echo "$l: capture $out/$l.mmr; validate not available in this build"
		continue
	fi
	if "$mmr" validate "$out/$l.mmr" -o "$out/$l-validate" >"$out/$l.validate.txt" 2>&1; then
		echo "$l: capture $out/$l.mmr; validate reports in $out/$l-validate"
	else
		echo "$l: capture $out/$l.mmr; validate failed, see $out/$l.validate.txt"
	fi
done
[ "$have_validate" = 1 ] || exit 0
# Per load and engine, validate.json's verdict: fidelity, locks paired, the
# kernel locks it does not model, and its contended locks the kernel did
# not report (those it cannot check apart).
echo
printf '| load | kernel locks (waits) | engine | fidelity | paired | not modelled | model-only locks (per 1000 ops) |\n'
printf '|---|---|---|---:|---:|---:|---|\n'
for spec in "${loads[@]}"; do
	l=${spec%%:*}
	[ -s "$out/$l-validate/validate.json" ] || continue
	python3 - "$out/$l-validate/validate.json" "$l" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["engines"]:
    kl = ", ".join(f"{k['lock']} ({k['kernel_contended']})" for k in e["locks"]) or "-"
    mo = ", ".join(f"{m['lock']} {m['contended_per_kop']:.3g}" + (f" queued, {m['contended_all_per_kop']:.3g} in all" if m["queued"] else "")
                   + ("" if m["checkable"] else " (unchecked)")
                   for m in e["model_only"]) or "-"
    print(f"| {sys.argv[2]} | {kl} | {e['engine']} | {e['fidelity_text']} | {e['paired']} | {e['unmodelled']} | {mo} |")
PY
done
