#!/usr/bin/env bash
# live_faults.sh - mmreplay capture when something fails under it.
#
#   live_faults.sh MMREPLAY WORKDIR CASE
#
# Needs root and tracefs (exit 77, ctest's skip, with the reason otherwise).
# Every case: exit status 1, exactly one error line saying what failed, and
# tracefs as it was before (live_lib.sh: tracefs_state).  Faults the machine
# can really have are made real: a full disk is a 1 MiB tmpfs, a missing
# tracefs is a private mount namespace without it.  The rest are made by
# $MMR_FAULTINJECT, a preloaded library (faultinject.c):
#   full_disk     the .mmr on a full disk: the trace is kept cut at its last
#                 whole block, which mmreplay stats reads (with its warning),
#                 and the error line says how many events it holds
#   dat_full_disk the trace.dat on a full disk: the .mmr complete, no trace.dat
#   eio           write errors on the .mmr from some point on: as full_disk
#   eio_once      one write error, then writes work again: still a cut trace
#                 the reader recovers (nothing written after the error)
#   spool_eio     an I/O error on the trace.dat's spool while recording: the
#                 .mmr closed complete with what was recorded, no trace.dat
#   enable_fail   a tracepoint the kernel has but will not enable: no output
#   buffer_fail   the kernel refuses the ring buffer size: no output
#   pid_vanish    the --pid process exits before the capture starts: no output
#   no_tracefs    tracefs not mounted and not mountable (no CAP_SYS_ADMIN)
#   mount_tracefs tracefs not mounted: the capture mounts it and records
# A capture that should fail before it records runs with -d 2, so one that
# wrongly goes on ends by itself and fails the test; -d 120 on the write
# faults only bounds one that never stops (the disk fills in seconds).
set -u
mmr=$1 work=$2 case=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_lib.sh
. "$here/live_lib.sh"

need_live
# An inner case runs in its own mount namespace, in the directory set up already.
case $case in
*.ns) ;;
*) rm -rf "$work" && mkdir -p "$work" || exit 1 ;;
esac
cd "$work" || exit 1

# inject FAULT ARGS...: capture ARGS with FAULT made by the preloaded library.
inject() {
	[ -n "${MMR_FAULTINJECT:-}" ] || fail "\$MMR_FAULTINJECT is not set"
	local f=$1
	shift
	# The library goes in ahead of a sanitizer's runtime, which asks to be first.
	LD_PRELOAD=$MMR_FAULTINJECT MMR_FAULT=$f \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" capture "$@"
}

# in_namespace: run this case as CASE.ns in a private mount namespace (its
# mounts vanish with it, even when the test is killed); its exit status.
in_namespace() {
	command -v unshare >/dev/null || skip "unshare is not installed"
	unshare -m --propagation private "$0" "$mmr" "$work" "$case.ns"
}

# Unmount every tracefs (and the debugfs it may hide under), innermost first.
unmount_tracefs() {
	awk '$3 == "tracefs" || $3 == "debugfs" { print $2 }' /proc/mounts | sort -r | xargs -r umount ||
		fail "cannot unmount tracefs in a private namespace"
	! grep -qw tracefs /proc/mounts || fail "tracefs still mounted"
}

# cut_trace TRACE: the error line says TRACE is cut after N events, and the
# reader recovers exactly those N, warning that the writer did not finish.
cut_trace() {
	local n
	n=$(sed -n "s|.*; $1 is cut after \([0-9]*\) events (mmreplay stats reads them.*|\1|p" err.txt)
	[ -n "$n" ] && [ "$n" -gt 0 ] || fail "the error line does not say how much of $1 was kept: $(cat err.txt)"
	"$mmr" stats "$1" >/dev/null 2>stats.err || fail "the cut $1 is unreadable: $(cat stats.err)"
	grep -q "the writer did not finish; recovered [0-9]* blocks ($n events)" stats.err ||
		fail "the cut $1 does not hold the $n events said: $(cat stats.err)"
	echo "$1 cut after $n events: $(cat err.txt)"
}

# write_fault: a busy capture whose .mmr writes start failing; ARGS: how.
write_fault() {
	tracefs_state >before.state
	start_load
	"$@"
	stop_load
	restored before.state $cap
	[ "$rc" = 1 ] || fail "exit $rc, expected 1: $(cat err.txt)"
	[ "$(err_lines)" = 1 ] || fail "expected one error line: $(cat err.txt)"
}

case $case in
full_disk) in_namespace || exit ;;
full_disk.ns)
	mkdir full && mount -t tmpfs -o size=1m tmpfs full || skip "cannot mount a tmpfs"
	write_fault capture -q -o full/t.mmr -e slab,page -d 120
	grep -q '^mmreplay capture: full/t\.mmr: offset [0-9]*: write failed: No space left on device; ' err.txt ||
		fail "no full-disk error: $(cat err.txt)"
	cut_trace full/t.mmr
	;;
dat_full_disk) in_namespace || exit ;;
dat_full_disk.ns)
	mkdir full && mount -t tmpfs -o size=1m tmpfs full || skip "cannot mount a tmpfs"
	write_fault capture -q -o t.mmr --trace-dat full/t.dat -e slab,page -d 1
	grep -Eq '^mmreplay capture: full/t\.dat: write failed: No space left on device; t\.mmr is complete \([1-9][0-9]* events\)$' err.txt ||
		fail "no full-disk error for the trace.dat: $(cat err.txt)"
	complete t.mmr
	[ ! -e full/t.dat ] || fail "a partial trace.dat was left"
	;;
eio)
	write_fault inject eio:/t.mmr:300000 -q -o t.mmr -e slab,page -d 120
	grep -q '^mmreplay capture: t\.mmr: offset [0-9]*: write failed: Input/output error; ' err.txt ||
		fail "no I/O error: $(cat err.txt)"
	cut_trace t.mmr
	;;
eio_once)
	# Were the close let write its last block and index after the failed
	# block, the index would point at the broken block and no reader could
	# open the file.
	write_fault inject eio-once:/t.mmr:300000 -q -o t.mmr -e slab,page -d 120
	grep -q 'write failed: Input/output error; ' err.txt || fail "no I/O error: $(cat err.txt)"
	cut_trace t.mmr
	;;
spool_eio)
	# The trace.dat's pages wait in unnamed temporary files until the end.
	write_fault inject "eio: (deleted):300000" -q -o t.mmr --trace-dat t.dat -e slab,page -d 120
	grep -Eq '^mmreplay capture: cannot write the spool file of CPU [0-9]+: Input/output error; t\.mmr is complete \([1-9][0-9]* events\)$' err.txt ||
		fail "no spool error: $(cat err.txt)"
	complete t.mmr
	[ ! -e t.dat ] || fail "a trace.dat was written"
	;;
enable_fail)
	tracefs_state >before.state
	inject enable:kmem:kfree -o t.mmr -d 2
	expect_error 1 "^mmreplay capture: cannot enable kmem:kfree in tracing instance mmreplay-[0-9]+: Operation not permitted$"
	restored before.state $cap
	[ ! -e t.mmr ] || fail "output left behind"
	;;
buffer_fail)
	tracefs_state >before.state
	inject buffer -o t.mmr -b 65536 -d 2
	expect_error 1 "^mmreplay capture: the kernel refused a ring buffer of 65536 KiB per CPU in tracing instance mmreplay-[0-9]+: Cannot allocate memory \(try a smaller --buffer-kb\)$"
	restored before.state $cap
	[ ! -e t.mmr ] || fail "output left behind"
	;;
pid_vanish)
	tracefs_state >before.state
	sleep 1000 &
	victim=$!
	inject vanish -o t.mmr --pid $victim -d 2
	expect_error 1 "^mmreplay capture: process $victim \(--pid\) exited before the capture started: nothing to record$"
	restored before.state $cap
	[ ! -e t.mmr ] || fail "output left behind"
	;;
no_tracefs | mount_tracefs)
	tracefs_state >before.state
	in_namespace || exit
	restored before.state 0
	;;
no_tracefs.ns)
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	unmount_tracefs
	# Root without CAP_SYS_ADMIN cannot mount it again.
	setpriv --bounding-set -sys_admin --inh-caps -sys_admin "$mmr" capture -o t.mmr -d 2 2>err.txt
	rc=$?
	expect_error 1 "^mmreplay capture: tracefs is not mounted, and mounting it on /sys/kernel/tracing failed: Operation not permitted \(needs CAP_SYS_ADMIN\)$"
	[ ! -e t.mmr ] || fail "output left behind"
	;;
mount_tracefs.ns)
	unmount_tracefs
	start_load
	capture -q -o t.mmr -e slab -d 1
	stop_load
	[ "$rc" = 0 ] || fail "exit $rc: $(cat err.txt)"
	grep -qw tracefs /proc/mounts || fail "tracefs was not mounted"
	complete t.mmr
	;;
*)
	fail "unknown case $case"
	;;
esac
echo "ok: $case"
