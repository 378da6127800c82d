# perf_lib.sh - what the checks against perf's own figures share (sourced by
# perf_kmem_check.sh and perf_lock_check.sh).

# need_root_and_perf: exit 77 (ctest: skipped), saying why, unless this runs
# as root (system-wide tracepoints) with a working perf.
need_root_and_perf() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: recording kernel tracepoints system-wide needs root"
		exit 77
	fi
	if ! command -v perf >/dev/null 2>&1 || ! perf version >/dev/null 2>&1; then
		echo "SKIP: perf is not installed (Debian: linux-perf)"
		exit 77
	fi
}
