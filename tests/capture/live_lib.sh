# live_lib.sh - what the live capture tests share (sourced by live_capture.sh
# and live_faults.sh, which set $mmr and $work first).
#
# Other captures may run on this machine at the same time (other checkouts'
# test suites): the checks below look at this test's own capture only, and
# never at, or on, the instances of other mmreplay processes.

tracefs=/sys/kernel/tracing

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

need_live() {
	[ "$(id -u)" = 0 ] || skip "not root: live capture needs root"
	[ -d "$tracefs/events/kmem" ] || skip "no tracefs with kmem events at $tracefs"
}

workload='for i in $(seq 30); do sh -c "cat /etc/passwd > /dev/null"; ls -R /usr/share/doc/coreutils > f.txt; cp f.txt g.txt; rm g.txt; done'

# count TRACE AWK-CONDITION: events of `mmreplay dump` whose fields match.
count() { "$mmr" dump "$1" | awk "$2 { n++ } END { print n + 0 }"; }

# Events in TRACE, as `mmreplay stats --json` counts them.
events_in() {
	"$mmr" stats --json "$1" 2>/dev/null |
		sed -n 's/^[[:space:]]*"events":[[:space:]]*\([0-9]*\),*$/\1/p' | head -1
}

# The tracefs state a capture must leave as it found it: the instances that
# are not mmreplay's, and everything of the top level a capture could touch:
# tracing on/off, buffer sizes, clock, options, tracer, pid filters, and the
# enable, filter and trigger of every event (and system) of the families.
tracefs_state() {
	ls "$tracefs/instances" | grep -v '^mmreplay-' | sed 's/^/instance /'
	(
		cd "$tracefs" || exit 1
		grep -Hs '' tracing_on buffer_size_kb buffer_total_size_kb buffer_percent trace_clock \
			trace_options current_tracer set_event set_event_pid set_event_notrace_pid \
			tracing_cpumask saved_cmdlines_size \
			events/{kmem,vmalloc,percpu,cma,dma,rcu}/{enable,filter} \
			events/{kmem,vmalloc,percpu,cma,dma,rcu}/*/{enable,filter,trigger}
	)
	return 0
}

# restored BEFORE PID: tracefs is as BEFORE (a tracefs_state file) again,
# and the instance of the capture PID is gone.
restored() {
	tracefs_state >after.state
	cmp -s "$1" after.state || fail "tracefs changed: $(diff "$1" after.state | head -6)"
	[ ! -e "$tracefs/instances/mmreplay-$2" ] || fail "instance mmreplay-$2 left behind"
}

# capture ARGS...: run mmreplay capture in the background, as a separate
# process whose pid ($cap) the checks can name, stderr to err.txt; $rc gets
# its exit status.
capture() {
	"$mmr" capture "$@" 2>err.txt &
	cap=$!
	wait $cap
	rc=$?
}

# The lines of err.txt, less the notes about instances of other killed runs
# that a capture removes on its way (another test's kill -9 may leave one).
err_lines() { grep -vc 'left by a killed run$' err.txt; }

# expect_error RC REGEX: the capture exited RC with one error line matching REGEX.
expect_error() {
	[ "$rc" = "$1" ] || fail "exit $rc, expected $1: $(cat err.txt)"
	[ "$(err_lines)" = 1 ] || fail "expected one error line: $(cat err.txt)"
	grep -Eq "$2" err.txt || fail "error line does not match /$2/: $(cat err.txt)"
}

# Busy file-system work in the background, so allocations keep coming.
start_load() {
	(while :; do ls -R /usr/share/doc >/dev/null 2>&1; done) &
	load=$!
}
stop_load() {
	kill "$load" 2>/dev/null
	wait "$load" 2>/dev/null
	return 0
}

# wait_size FILE BYTES PID: wait until FILE has more than BYTES, while PID
# runs.  The bound (120 s) only stops a hang: under a loaded sanitizer build
# the first blocks take a few seconds.
wait_size() {
	local i
	for i in $(seq 1200); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# complete TRACE: a whole trace, read without a warning, with events.
complete() {
	"$mmr" stats "$1" >stats.txt 2>stats.err || fail "$1 unreadable: $(cat stats.err)"
	[ ! -s stats.err ] || fail "$1 not complete: $(cat stats.err)"
	[ "$(events_in "$1")" -gt 0 ] || fail "$1 holds no events"
}
