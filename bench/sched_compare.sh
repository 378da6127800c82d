#!/bin/bash
# SPDX-License-Identifier: MIT
# sched_compare.sh BUILD_DIR [RUNS]: the demo's five families, each replayed
# on its generated workload (as the demo generates it) with --sched other
# and with --sched fifo (run as root: fifo needs SCHED_FIFO), RUNS runs
# each (default 5), 2 threads, default costs.  Prints per family and
# policy each compare verdict line, and per engine and lock the contended
# acquisitions, the longest wait and hold kept in the figures, and the
# holds and waits counted apart as preempted (with the longest of each).
set -eu
B=$(cd "${1:?usage: sched_compare.sh BUILD_DIR [RUNS]}" && pwd)
RUNS=${2:-5}
M=$B/cli/mmreplay
export MMREPLAY_PROFILE=/nonexistent
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
locks() { # results dir
	python3 - "$1" <<'PY'
import json, glob, sys
for f in sorted(glob.glob(sys.argv[1] + '/*/results.json')):
    d = json.load(open(f))
    for l in d['locks']:
        if l['contended'] or l['holds_preempted'] or l['waits_preempted']:
            print('    %-22s %-26s contended %8d  max wait %9.1f us  max hold %9.1f us  preempted: %5d holds (max %8.1f us), %5d waits (max %8.1f us)' % (
                d['engine'], l['name'] + (':' + l['side'][0] if l['side'] != 'exclusive' else ''), l['contended'],
                l['wait_ns_max'] / 1e3, l['hold_ns_max'] / 1e3, l['holds_preempted'], l['hold_preempted_ns_max'] / 1e3,
                l['waits_preempted'], l['wait_preempted_ns_max'] / 1e3))
PY
}
family() { # name workload ops engines
	"$M" generate "$2" -o "$1.mmr" --seed 1 --cpus 2 --ops "$3" -q
	for s in other fifo; do
		"$M" replay "$1.mmr" -e "$4" -t 2 --repeat "$RUNS" --sched "$s" -o "$1-$s" -q
		"$M" compare "$1-$s" -o "$1-$s-rep" --no-plots -q >/dev/null
		echo "$1, --sched $s:"
		awk '/^## Verdicts/ {on = 1; next} /^## / {on = 0} on && /^- /' "$1-$s-rep/report.md" | sed 's/^/  /'
		locks "$1-$s"
	done
}
family cma hugetlb-cma 3000 cma-mutex,cma-nowait,cma-spinlock,cma-lockless-clear
family vmalloc vmalloc-test 20000 vmalloc-global,vmalloc-nodes
family kvfree_rcu kfree-rcu-flood 20000 kvfree-rcu-nowait,kvfree-rcu-lockless,kvfree-rcu-pool,kvfree-rcu-callrcu,kvfree-rcu-sync
family zsmalloc zram-swap 20000 zsmalloc-pinbit,zsmalloc-migrate-lock
family dmabuf fbdev-damage 10000 dmabuf-vmap-pin,dmabuf-vmap-locked,dmabuf-vmap-cached,dmabuf-attach-pin
