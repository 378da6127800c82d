#!/usr/bin/env bash
# perf_lock_check.sh - the kernel's lock contention, imported, must give perf's own figures.
#
#   perf_lock_check.sh MMREPLAY            record, import, compare (root and perf)
#   perf_lock_check.sh MMREPLAY FIXTURE    compare a bundled import with the perf output saved beside it
#
# Records lock:contention_begin and lock:contention_end with
# `perf record -a` around a load that contends pipe mutexes and mm locks
# on every CPU (four pipelines of 100 MB, a burst of short-lived processes),
# imports it with `mmreplay import`, and checks `mmreplay stats --json`
# against `perf lock contention` on the same perf.data
# (perf_lock_compare.py says which figures).  The import must also read
# every sample perf counts.
#
# With FIXTURE (tests/capture/fixtures/lock-pipes), the same comparison
# runs without root or perf: FIXTURE/lock.mmr is an import of a real
# recording and FIXTURE/perf-lock-t.txt and perf-lock.txt are what perf
# printed for that recording.
#
# Without root or perf (and no FIXTURE) it says why and exits 77, which
# ctest reports as skipped.
set -uo pipefail
mmreplay=${1:?usage: perf_lock_check.sh MMREPLAY [FIXTURE]}
fixture=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C # perf groups digits with the locale's separator otherwise

work=$(mktemp -d /tmp/mmr-perf-lock-XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ -n "$fixture" ]; then
	"$mmreplay" stats --json "$fixture/lock.mmr" >"$work/stats.json" || { echo "FAIL: mmreplay stats"; exit 1; }
	python3 "$here/perf_lock_compare.py" "$work/stats.json" "$fixture/perf-lock-t.txt" "$fixture/perf-lock.txt" &&
		echo "perf lock contention and mmreplay agree (bundled recording)"
	exit
fi
# shellcheck source=perf_lib.sh
. "$here/perf_lib.sh"
need_root_and_perf
perf list tracepoint >"$work/list" 2>/dev/null
if ! grep -q 'lock:contention_begin' "$work/list"; then
	echo "SKIP: this kernel has no lock:contention_begin tracepoint (5.19 on)"
	exit 77
fi

data=$work/perf.data
load='for i in 1 2 3 4; do head -c 100000000 /dev/zero | cat >/dev/null & done
for i in $(seq 400); do /bin/true & done; wait'
if ! perf record -q -a -e lock:contention_begin -e lock:contention_end -o "$data" -- sh -c "$load" \
	>"$work/record" 2>&1; then
	echo "FAIL: perf record failed: $(tail -3 "$work/record")"
	exit 1
fi
if ! "$mmreplay" import "$data" -o "$work/lock.mmr" >"$work/import" 2>&1; then
	echo "FAIL: mmreplay import failed: $(cat "$work/import")"
	exit 1
fi
cat "$work/import"
"$mmreplay" stats --json "$work/lock.mmr" >"$work/stats.json" || { echo "FAIL: mmreplay stats"; exit 1; }
perf lock contention -i "$data" -t -E 1000000 >"$work/perf-lock-t.txt" 2>&1 || { echo "FAIL: perf lock contention -t"; exit 1; }
perf lock contention -i "$data" -E 1000000 >"$work/perf-lock.txt" 2>&1 || { echo "FAIL: perf lock contention"; exit 1; }
fail=0
python3 "$here/perf_lock_compare.py" "$work/stats.json" "$work/perf-lock-t.txt" "$work/perf-lock.txt" || fail=1
samples=$(perf report -i "$data" --stats 2>/dev/null | awk '/SAMPLE events:/ { print $3; exit }')
records=$(sed -n 's/.*(\([0-9]*\) records read.*/\1/p' "$work/import")
if [ "$records" != "$samples" ]; then
	echo "FAIL: tracepoint samples read: mmreplay $records, perf $samples"
	fail=1
fi
[ "$fail" = 0 ] && echo "perf lock contention and mmreplay agree"
exit "$fail"
