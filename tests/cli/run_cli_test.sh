#!/usr/bin/env bash
# run_cli_test.sh - run the mmreplay binary once and check what it did.
#
#   run_cli_test.sh --bin BIN --workdir DIR --rc N [--stderr RE] [--stdout RE]
#                   [--one-line 0|1] [--setup 'FIXTURE ARGS && ...']
#                   [--stdout-to FILE] [--absent FILE] [--check 'FIXTURE ...'] -- ARGS...
#
# DIR is emptied and becomes the working directory.  SETUP runs first, in a
# shell that has the fixture functions of fixtures.sh (gen, flip, poke,
# writing, ...) and $MMREPLAY.  Then BIN runs with ARGS; its exit status must
# be N (stdout goes to FILE, /dev/full say, when given), stderr must match the extended regex RE (and be exactly one line with
# --one-line 1), stdout must match its RE, and the --absent FILE must not
# exist afterwards (a failed command cleans up).  Sanitizer reports get exit
# codes of their own so they can never pass for an expected failure.  A CHECK
# that exits 77 (a tool it needs is missing) makes this exit 77 when nothing
# else failed: ctest counts it skipped (SKIP_RETURN_CODE, set by mmr_cli_test).
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin= workdir= rc_want= err_re= out_re= one_line= setup= out_to=stdout.txt absent= check=
while [ $# -gt 0 ]; do
	case $1 in
	--bin) bin=$2; shift 2 ;;
	--workdir) workdir=$2; shift 2 ;;
	--rc) rc_want=$2; shift 2 ;;
	--stderr) err_re=$2; shift 2 ;;
	--stdout) out_re=$2; shift 2 ;;
	--one-line) one_line=$2; shift 2 ;;
	--setup) setup=$2; shift 2 ;;
	--stdout-to) [ -z "$2" ] || out_to=$2; shift 2 ;;
	--absent) absent=$2; shift 2 ;;
	--check) check=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "run_cli_test.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
if [ -z "$bin" ] || [ -z "$workdir" ] || [ -z "$rc_want" ]; then
	echo "run_cli_test.sh: --bin, --workdir and --rc are required" >&2
	exit 2
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}exitcode=88"
export MMREPLAY=$bin
# The machine's calibrate profile would change the engines' costs from one machine to the next: none.
export MMREPLAY_PROFILE="$workdir/no-such-profile.json"

rm -rf "$workdir" && mkdir -p "$workdir" && cd "$workdir" || exit 2
if [ -n "$setup" ]; then
	# shellcheck source=fixtures.sh
	if ! bash -c "set -e; . '$here/fixtures.sh'; $setup" >setup.log 2>&1; then
		echo "FAIL: setup failed: $setup" >&2
		cat setup.log >&2
		exit 1
	fi
fi

touch stdout.txt
"$bin" "$@" >"$out_to" 2>stderr.txt
rc=$?
fail=0
say() { echo "FAIL: $*" >&2; fail=1; }
[ "$rc" = "$rc_want" ] || say "exit status $rc, expected $rc_want"
if [ -n "$err_re" ] && ! grep -Eq -- "$err_re" stderr.txt; then
	say "stderr does not match /$err_re/"
fi
if [ "$one_line" = 1 ] || [ "$one_line" = TRUE ]; then
	lines=$(wc -l <stderr.txt)
	[ "$lines" = 1 ] || say "stderr has $lines lines, expected exactly one"
fi
if [ -n "$out_re" ] && ! grep -Eq -- "$out_re" stdout.txt; then
	say "stdout does not match /$out_re/"
fi
skip=0
if [ -n "$check" ]; then
	bash -c "set -e; . '$here/fixtures.sh'; $check" >check.log 2>&1
	case $? in
	0) ;;
	77) skip=1 ;;
	*) say "check failed: $check: $(tail -n 5 check.log)" ;;
	esac
fi
if [ -n "$absent" ] && [ -e "$absent" ]; then
	say "$absent was left behind"
fi
if [ $fail != 0 ]; then
	echo "--- command: $bin $*" >&2
	echo "--- stdout (first 40 lines):" >&2; head -n 40 stdout.txt >&2
	echo "--- stderr:" >&2; head -n 40 stderr.txt >&2
	exit 1
fi
if [ $skip = 1 ]; then
	echo "skipped: check $check: $(tail -n 1 check.log)"
	exit 77
fi
echo "ok: $bin $* (exit $rc)"
