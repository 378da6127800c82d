#!/usr/bin/env bash
# run_fuzz.sh BUILD_DIR SECONDS OUT_DIR [TARGET...] - run each fuzz target of
# a fuzz build (-DMMR_FUZZ=ON) for SECONDS on its seeds (seeds.sh), its
# checked-in reproducers (tests/fuzz/corpus/TARGET) and what earlier runs
# kept (OUT_DIR/corpus/TARGET).  Any crash, sanitizer report, leak, timeout
# or out-of-memory stops that target and fails the run: the target's name,
# the input libFuzzer saved (OUT_DIR/findings/), the report's summary, a
# hexdump and, for the targets that make a trace of their input, its
# `mmreplay dump`, are printed.  A line per target gives executions and
# executions per second.  Without TARGETs, all of them.  docs/fuzzing.md.
#
# Environment: FUZZ_SEED=N fixes libFuzzer's seed (CI: the same commit
# fuzzes the same way); FUZZ_RUNS=N stops a target after N executions
# (10000000: the issue's goal) if SECONDS have not passed; FUZZ_KEEP_GOING=1
# runs libFuzzer's fork mode, which
# keeps fuzzing past a finding and saves every one (long runs; the run
# still fails at the end when anything was found); FUZZ_SEEDS=DIR uses the
# seeds an earlier run made (DIR/TARGET) instead of making them again.
#
# LeakSanitizer's own failure ("Tracer caught signal 11 ... LeakSanitizer
# has encountered a fatal error": its stop-the-world tracer died, so no
# leak check ran) is no finding of ours: when the inputs saved with it
# pass when run again alone, they are moved to OUT_DIR/tool-failures/, a
# note says so and the target is fuzzed once more.  An input that fails
# again, or a second tool failure, is a finding as before.
set -uo pipefail
build=$(realpath "$1")
secs=$2
out=$3
shift 3
src=$(cd "$(dirname "$0")/../.." && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reader import_perf import_tracedat import_text results replay plan plan_file catalog)
mkdir -p "$out/findings" "$out/logs"
out=$(realpath "$out")

seeds=$out/seeds
if [ -n "${FUZZ_SEEDS:-}" ]; then
	seeds=$(realpath "$FUZZ_SEEDS")
	echo "==> fuzz seeds from $seeds"
else
	echo "==> fuzz seeds into $seeds"
	"$src/tests/fuzz/seeds.sh" "$build" "$seeds" || exit 1
fi

# libtraceevent leaks when it gives up on a damaged format: its own leak,
# suppressed by the allocating function (tests/fuzz/lsan.supp).
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# A sanitizer report aborts (libFuzzer then saves the input); symbolised stacks.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# show_finding TARGET INPUT LOG: what a developer needs to start on it.
show_finding() {
	local t=$1 input=$2 log=$3 bin="$build/tests/fuzz/fuzz_$1"
	echo "FUZZ FINDING: fuzz_$t on $input"
	echo "--- report (from $log):"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz finding|ALARM|.*runtime error|    #[0-9] )' "$log" | head -n 30
	echo "--- reproduce: $bin $input"
	echo "--- hexdump of the input (first 512 bytes):"
	od -A x -t x1z -v -N 512 "$input"
	case $t in
	reader | replay | plan | import_*)
		local trace="$input.mmr"
		rm -f "$trace"
		MMR_FUZZ_SAVE=$trace "$bin" -runs=1 "$input" >/dev/null 2>&1
		if [ -s "$trace" ]; then
			echo "--- the trace it makes ($trace), mmreplay dump -n 60:"
			"$build/cli/mmreplay" dump -n 60 "$trace" 2>&1
		fi
		;;
	esac
}

# The inputs libFuzzer saved for TARGET (not the traces show_finding makes of them).
# A slow unit (over libFuzzer's 10 s, under the 25 s timeout) is no finding:
# a 1 GiB CMA allocation's model costs that much under the sanitizers.  It is
# named in a note (list_slow) and kept, so that a trend shows.
list_findings() { find "$out/findings" -maxdepth 1 -type f -name "$1-*" ! -name '*.mmr' ! -name "$1-slow-unit-*" | sort; }
list_slow() { find "$out/findings" -maxdepth 1 -type f -name "$1-slow-unit-*" ! -name '*.mmr' | sort; }

mode=()
[ -n "${FUZZ_SEED:-}" ] && mode+=("-seed=$FUZZ_SEED")
[ -n "${FUZZ_RUNS:-}" ] && mode+=("-runs=$FUZZ_RUNS")
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && mode+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

# lsan_tool_failure TARGET LOG NEW: true when LOG ends in LeakSanitizer's
# own fatal error with no report of ours, and every input in NEW (the
# findings it left, maybe none) passes alone; those inputs are then moved
# to OUT_DIR/tool-failures/.
lsan_tool_failure() {
	local t=$1 log=$2 new=$3 f
	grep -q 'LeakSanitizer has encountered a fatal error' "$log" || return 1
	grep -qE '^==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer: detected)|runtime error:' "$log" && return 1
	for f in $new; do
		"$build/tests/fuzz/fuzz_$t" -runs=2 "$f" >"$log.recheck" 2>&1 || return 1
	done
	mkdir -p "$out/tool-failures"
	for f in $new; do mv "$f" "$out/tool-failures/"; done
	cp "$log" "$out/tool-failures/$t.log"
	return 0
}

failed=()
for t in "${targets[@]}"; do
	bin="$build/tests/fuzz/fuzz_$t"
	corpus="$out/corpus/$t"
	log="$out/logs/$t.log"
	mkdir -p "$corpus"
	dirs=("$corpus" "$seeds/$t")
	[ -d "$src/tests/fuzz/corpus/$t" ] && dirs+=("$src/tests/fuzz/corpus/$t")
	dict=()
	[ -f "$src/tests/fuzz/$t.dict" ] && dict=("-dict=$src/tests/fuzz/$t.dict")
	before=$(list_findings "$t")
	slow_before=$(list_slow "$t")
	for try in 1 2; do
		"$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$out/findings/$t-" "${mode[@]}" "${dict[@]}" "${dirs[@]}" >"$log" 2>&1
		rc=$?
		[ $rc -ne 0 ] && [ $try = 1 ] || break
		lsan_tool_failure "$t" "$log" "$(comm -13 <(echo "$before") <(list_findings "$t"))" || break
		echo "note: fuzz_$t: LeakSanitizer itself failed (its log and inputs, which pass alone, are in $out/tool-failures/); fuzzing it again"
	done
	# Plain mode ends with stat:: lines; fork mode's progress lines are "#N: cov: ... exec/s R ...".
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ -z "$execs" ]; then
		execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
		rate=$(sed -n 's/^#[0-9]*: cov:.* exec\/s \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	fi
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
	new=$(comm -13 <(echo "$before") <(list_findings "$t"))
	for f in $(comm -13 <(echo "$slow_before") <(list_slow "$t")); do
		echo "note: fuzz_$t: an input took over 10 s (under the 25 s timeout; no finding): $f"
	done
	printf 'fuzz_%-16s %10s execs in %s s, %6s exec/s, %s, exit %d\n' "$t" "${execs:-?}" "$secs" "${rate:-?}" \
		"${cov:-no coverage line}" "$rc"
	if [ $rc -ne 0 ] || [ -n "$new" ]; then
		first=$(echo "$new" | head -n 1)
		show_finding "$t" "${first:-(no input saved: see $log)}" "$log"
		for f in ${new:-$log}; do
			failed+=("fuzz_$t: $f")
		done
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzzing found ${#failed[@]} problem(s):"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
echo "fuzzing: no finding in ${targets[*]}"
