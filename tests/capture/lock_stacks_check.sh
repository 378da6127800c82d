#!/usr/bin/env bash
# lock_stacks_check.sh - lock waits named by the code that contended, on the running kernel.
#
#   lock_stacks_check.sh MMREPLAY capture   capture -e lock --lock-stacks N around a load (root)
#   lock_stacks_check.sh MMREPLAY perf      perf record -g of the lock tracepoints, imported (root, perf)
#
# The load contends pipe mutexes (four pipelines of 100 MB, as in
# perf_lock_check.sh), so the waits' caller is known: the pipe code.
#
# capture: some begins carry a call site and the stacked flag, no more of
# them than N, the summary says how many stacks were taken, stats names a
# pipe function as the caller of the lock with the most stacked waits, the capture's trace.dat
# imports to the same events, --lock-stacks 0 takes none, and the
# instance (with its trigger) is gone afterwards.  perf: every begin of a
# `perf record -g` carries its call chain, so every one is stacked, and
# that lock's caller is again the pipe code.
#
# Without root, perf (perf case), the lock tracepoints, or with a kernel
# that refuses the stacktrace trigger, it says why and exits 77 (skipped).
set -uo pipefail
mmr=${1:?usage: lock_stacks_check.sh MMREPLAY capture|perf}
mode=${2:?usage: lock_stacks_check.sh MMREPLAY capture|perf}
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "not root: recording the kernel's lock tracepoints needs root"
tracefs=/sys/kernel/tracing
[ -d "$tracefs/events" ] || mount -t tracefs nodev "$tracefs" 2>/dev/null
[ -d "$tracefs/events/lock/contention_begin" ] || skip "this kernel has no lock:contention_begin (5.19 on)"

work=$(mktemp -d /tmp/mmr-lock-stacks-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
load='for i in 1 2 3 4; do head -c 100000000 /dev/zero | cat >/dev/null & done; wait'

# begins TRACE [AWK-CONDITION]: contention_begin events of TRACE (that also match).
begins() { "$mmr" dump "$1" | awk -v OFS=' ' "\$6 == \"contention_begin\" ${2:+&& ($2)} { n++ } END { print n + 0 }"; }

# The caller symbol (stats --json) of the lock in TRACE with the most stacked begins, or "null".
# Not the busiest lock: the stacks go to the first N waits, which need not be the busiest lock's.
top_caller() {
	"$mmr" stats --json "$1" | python3 -c '
import json, sys
locks = json.load(sys.stdin)["lock_contention"]["locks"]
top = max(locks, key=lambda l: l["stacked"]) if locks else None
print(top["caller_symbol"] if top and top["caller_symbol"] else "null")'
}

check_capture() {
	local n=50 try
	# The pipes contend on most runs, not all (two CPUs, scheduling), and another lock may take
	# the most stacks on a run where they contend little: up to three tries for one whose pipes do.
	for try in 1 2 3; do
		"$mmr" capture -o t.mmr -e lock --lock-stacks $n -t t.dat -- sh -c "$load" >out 2>&1 ||
			fail "capture failed: $(tail -3 out)"
		grep -q 'refused the trigger' out && skip "the kernel refused the stacktrace trigger: $(grep refused out)"
		[ "$(begins t.mmr)" -gt 0 ] && case $(top_caller t.mmr) in *pipe*) break ;; esac
	done
	grep -q 'lock stacks:' out || fail "the summary has no lock stacks line: $(cat out)"
	local taken all stacked sited
	taken=$(sed -n 's/.*lock stacks: \([0-9]*\) taken (at most \([0-9]*\)).*/\1/p' out)
	all=$(begins t.mmr)
	stacked=$(begins t.mmr '/ stacked/')
	sited=$(begins t.mmr '/ stacked/ && / site=/')
	echo "begins $all, stacked $stacked (with a caller: $sited), stacks taken $taken, limit $n"
	[ "$all" -gt 0 ] || skip "the load contended no lock on this machine"
	[ "$stacked" -gt 0 ] || fail "no begin got a stack"
	[ "$sited" -gt 0 ] || fail "no stacked begin got a caller"
	[ "$stacked" -le $n ] && [ "$taken" -le $n ] || fail "more than $n stacks: $stacked stacked, $taken taken"
	[ "$stacked" -le "$taken" ] || fail "$stacked begins stacked from $taken stacks"
	# Only begins are stacked: the flag on nothing else.
	[ "$("$mmr" dump t.mmr | grep -v contention_begin | grep -c ' stacked')" = 0 ] || fail "stacked on another op"
	local top
	top=$(top_caller t.mmr)
	case $top in *pipe*) ;; *) fail "the most stacked lock's caller is '$top', not the pipe code" ;; esac
	echo "most stacked lock's caller: $top"
	"$mmr" import t.dat -o d.mmr >/dev/null || fail "import of the capture's trace.dat failed"
	"$mmr" dump t.mmr >a.txt && "$mmr" dump d.mmr >b.txt
	cmp -s a.txt b.txt || fail "the trace.dat imports to other events: $(diff a.txt b.txt | head -5)"
	ls "$tracefs/instances" | grep -q "^mmreplay-" && fail "an mmreplay instance is left: $(ls "$tracefs/instances")"
	"$mmr" capture -o z.mmr -e lock --lock-stacks 0 -- sh -c "$load" >out0 2>&1 || fail "capture --lock-stacks 0 failed"
	[ "$(begins z.mmr '/ stacked/')" = 0 ] || fail "--lock-stacks 0 stacked begins"
	grep -q 'lock stacks:' out0 && fail "--lock-stacks 0 printed a stacks line"
	echo "lock stacks: capture checks pass"
}

check_perf() {
	if ! command -v perf >/dev/null 2>&1 || ! perf version >/dev/null 2>&1; then
		skip "perf is not installed (Debian: linux-perf)"
	fi
	local all stacked sited top try
	# perf -a records the whole machine: on some runs the pipes contend a few times only and
	# another lock (a task's exit unmapping) has the most stacks.  Up to three tries for a
	# run whose pipes dominate, as capture's; the last one is judged.
	for try in 1 2 3; do
		perf record -q -a -g -e lock:contention_begin -e lock:contention_end -o perf.data -- sh -c "$load" \
			>rec 2>&1 || fail "perf record -g failed: $(tail -3 rec)"
		"$mmr" import perf.data -o p.mmr >imp 2>&1 || fail "import failed: $(cat imp)"
		[ "$(begins p.mmr)" -gt 0 ] && case $(top_caller p.mmr) in *pipe*) break ;; esac
	done
	all=$(begins p.mmr)
	stacked=$(begins p.mmr '/ stacked/')
	sited=$(begins p.mmr '/ stacked/ && / site=/')
	echo "begins $all, stacked $stacked, with a caller $sited"
	[ "$all" -gt 0 ] || skip "the load contended no lock on this machine"
	[ "$stacked" = "$all" ] || fail "perf -g gave every begin a call chain, but $stacked of $all are stacked"
	[ "$sited" -gt 0 ] || fail "no caller found in any call chain"
	top=$(top_caller p.mmr)
	case $top in *pipe*) ;; *) fail "the most stacked lock's caller is '$top', not the pipe code" ;; esac
	echo "most stacked lock's caller: $top"
	echo "lock stacks: perf checks pass"
}

case $mode in
capture) check_capture ;;
perf) check_perf ;;
*) fail "unknown mode '$mode'" ;;
esac
