#!/usr/bin/env bash
# run_fuzz_check.sh - how run_fuzz.sh judges a target's exit, with a fake
# target in a fake build: LeakSanitizer's own fatal error whose inputs pass
# alone is retried and passes; a real report, an input that fails again, or
# a second tool failure fails the run.
set -uo pipefail
# run_fuzz.sh's own settings from the caller's environment would change how the fake is run.
unset FUZZ_RUNS FUZZ_SEED FUZZ_KEEP_GOING FUZZ_SEEDS
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/build/tests/fuzz" "$tmp/seeds/reader"
fake=$tmp/build/tests/fuzz/fuzz_reader
# The fake target: FAKE=how it fails the first time (and the second for
# "twice"); a run of saved inputs (-runs=N FILE: run_fuzz.sh's recheck, or
# show_finding's) fails only for "reproduces".
cat >"$fake" <<'FAKE'
#!/usr/bin/env bash
prefix= ; recheck=0
for a in "$@"; do
	case $a in -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;; -runs=*) recheck=1 ;; esac
done
if [ $recheck = 1 ]; then [ "$FAKE" = reproduces ] && exit 1; exit 0; fi
n=$(( $(cat "$STATE" 2>/dev/null || echo 0) + 1 )); echo $n >"$STATE"
if [ $n = 1 ] || [ "$FAKE" = twice ]; then
	echo x >"${prefix}crash-$n"
	if [ "$FAKE" = asan ]; then
		# A report of ours beside LeakSanitizer's own failure: a finding, never retried.
		echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow"
		echo "==1==LeakSanitizer has encountered a fatal error."
	else
		echo "Tracer caught signal 11: addr=0x0 pc=0x0 sp=0x0"
		echo "==1==LeakSanitizer has encountered a fatal error."
	fi
	exit 1
fi
echo "stat::number_of_executed_units: 42"
echo "stat::average_exec_per_sec: 7"
exit 0
FAKE
chmod +x "$fake"
fails=0
# check HOW WANT_RC WANT_TEXT
check() {
	local out=$tmp/out-$1 rc
	# From inside $tmp: whatever a run leaves in its current folder is removed with it.
	(cd "$tmp" && STATE=$tmp/state-$1 FAKE=$1 FUZZ_SEEDS=$tmp/seeds \
		"$src/tests/fuzz/run_fuzz.sh" "$tmp/build" 1 "$out" reader) >"$out.log" 2>&1 && rc=0 || rc=$?
	if [ $rc != "$2" ] || ! grep -q -- "$3" "$out.log"; then
		echo "FAIL: $1: exit $rc (want $2) or no '$3' in:"
		cat "$out.log"
		fails=$((fails + 1))
	else
		echo "ok: $1: exit $rc, '$3'"
	fi
}
check once 0 "LeakSanitizer itself failed"
[ -f "$tmp/out-once/tool-failures/reader-crash-1" ] || { echo "FAIL: once: the input was not moved to tool-failures/"; fails=$((fails + 1)); }
check asan 1 "FUZZ FINDING: fuzz_reader"
check reproduces 1 "FUZZ FINDING: fuzz_reader"
check twice 1 "fuzzing found 1 problem"
[ $fails = 0 ]
