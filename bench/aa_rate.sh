#!/bin/bash
# SPDX-License-Identifier: MIT
# aa_rate.sh BUILD_DIR [RUNS]: how often noise looks significant on this
# machine.  Each seed family's baseline and one variant replay the family's
# generated workload (as the demo generates it) RUNS times (default 10) on 2
# threads; compare --aa splits the baseline's runs in two and tests every
# latency figure and the throughput of one half against the other, and the
# ops a variant runs with the baseline's code are tested too (any
# "significant" there is a false positive).  Prints each family's counts.
# No calibrate profile is used, so the figures are the engines' defaults.
set -eu
B=$(cd "${1:?usage: aa_rate.sh BUILD_DIR [RUNS]}" && pwd)
RUNS=${2:-10}
M=$B/cli/mmreplay
export MMREPLAY_PROFILE=/nonexistent
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
family() { # name workload ops engines
	"$M" generate "$2" -o "$1.mmr" --seed 1 --cpus 2 --ops "$3" -q
	"$M" replay "$1.mmr" -e "$4" -t 2 --repeat "$RUNS" -o "$1" -q
	"$M" compare "$1" -o "$1-rep" --no-plots --aa -q >/dev/null
	echo "$1:"
	grep -E "^A/A:|^Ops another engine" "$1-rep/report.md" | sed 's/^/  /'
}
family cma hugetlb-cma 3000 cma-mutex,cma-nowait
family vmalloc vmalloc-test 20000 vmalloc-global,vmalloc-nodes
family kvfree_rcu kfree-rcu-flood 20000 kvfree-rcu-nowait,kvfree-rcu-lockless
family zsmalloc zram-swap 20000 zsmalloc-pinbit,zsmalloc-migrate-lock
family dmabuf fbdev-damage 10000 dmabuf-vmap-pin,dmabuf-vmap-locked
