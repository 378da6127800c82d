#!/usr/bin/env bash
# make.sh - set up, build and run mmreplay on a fresh Debian machine.
#
#   ./make.sh demo   install missing packages, build, run the demo (mmreplay demo)
#   ./make.sh test   install missing packages, build, run every test, then
#                    again under AddressSanitizer and UndefinedBehaviorSanitizer,
#                    then the concurrent ones (ctest label) under ThreadSanitizer
#   ./make.sh test-repeat [N]  build, then run the concurrent tests (ctest label)
#                    N times each (default 50), stopping at a test's first failure:
#                    a test that fails once in N is flaky and must be fixed
#   ./make.sh build  install missing packages and build (build/)
#   ./make.sh deps   install missing packages only
#
# Packages come from Debian with apt-get (through sudo when not root); the
# build is CMake with -Werror.  Environment: BUILD_DIR (default build; the
# sanitizer builds go to BUILD_DIR-asan and BUILD_DIR-tsan),
# JOBS (default: online CPUs), DEMO_DIR (default out/demo).
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the build and tests need (pkg-config names in CMakeLists.txt);
# trace-cmd and linux-perf are the references the capture and import tests check against;
# python3 reads JSON results in the CLI tests; the jemalloc, mimalloc and tcmalloc
# engines load their libraries at run time (runtime packages only, no -dev).
# OPTIONAL_PACKAGES are installed when apt can and left out, with one line
# saying so, when it cannot: chromium, the headless browser that checks that
# mmreplay compare's report.html renders (tests/cli/html_check.sh; its tests
# are skipped without it).
PACKAGES=(gcc make cmake pkg-config libzstd-dev libxxhash-dev libcjson-dev libcmocka-dev
	libtracefs-dev libtraceevent-dev trace-cmd linux-perf python3 gnuplot-nox
	libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4 liburcu-dev)
OPTIONAL_PACKAGES=(chromium)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

say() { printf '==> %s\n' "$*"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_deps() {
	local missing=() optional=() p updated=0
	for p in "${PACKAGES[@]}"; do
		installed "$p" || missing+=("$p")
	done
	for p in "${OPTIONAL_PACKAGES[@]}"; do
		installed "$p" || optional+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && return 0
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		"${sudo[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
		updated=1
	fi
	if [ ${#optional[@]} -gt 0 ]; then
		say "installing optional ${optional[*]}"
		if ! { { [ $updated = 1 ] || "${sudo[@]}" apt-get update -qq; } &&
			DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
				"${optional[@]}"; } >/dev/null 2>&1; then
			say "could not install optional ${optional[*]}; going on without (the tests that need it are skipped)"
		fi
	fi
}

# build DIR [CMAKE ARGS...]
build() {
	local dir=$1
	shift
	say "building in $dir"
	cmake -S . -B "$dir" -DMMR_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j "$JOBS"
}

run_tests() {
	build "$BUILD_DIR"
	say "tests"
	ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure
	build "$BUILD_DIR-asan" -DCMAKE_BUILD_TYPE=Debug -DMMR_SANITIZE=address,undefined
	say "tests under AddressSanitizer and UndefinedBehaviorSanitizer"
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$BUILD_DIR-asan" -j "$JOBS" --output-on-failure
	build "$BUILD_DIR-tsan" -DCMAKE_BUILD_TYPE=Debug -DMMR_SANITIZE=thread
	say "concurrent tests under ThreadSanitizer"
	# gcc 12's ThreadSanitizer runtime dies ("unexpected memory mapping") on
	# kernels that randomise mmap more than it expects; without ASLR it always
	# runs.  Containers may forbid turning ASLR off: then run as is.
	local norand=()
	setarch "$(uname -m)" -R true 2>/dev/null && norand=(setarch "$(uname -m)" -R)
	TSAN_OPTIONS=halt_on_error=1 "${norand[@]}" ctest --test-dir "$BUILD_DIR-tsan" -L concurrent -j "$JOBS" \
		--output-on-failure
}

# repeat N: every concurrent test N times in a row; the first failure stops that test and fails the run.
run_repeat() {
	local n=${1:-50}
	case $n in '' | *[!0-9]* | 0) echo "usage: ./make.sh test-repeat [N]: N a count above 0" >&2; return 2 ;; esac
	build "$BUILD_DIR"
	say "the concurrent tests, $n times each"
	ctest --test-dir "$BUILD_DIR" -L concurrent --repeat until-fail:"$n" -j "$JOBS" --output-on-failure
}

run_demo() {
	build "$BUILD_DIR"
	local out=${DEMO_DIR:-out/demo}
	say "the demo: every seed family's variants compared, into $out (mmreplay demo -o $out)"
	"$BUILD_DIR/cli/mmreplay" demo -o "$out"
}

case ${1:-} in
demo) install_deps && run_demo ;;
test) install_deps && run_tests ;;
test-repeat) install_deps && run_repeat "${2:-50}" ;;
build) install_deps && build "$BUILD_DIR" ;;
deps) install_deps ;;
*)
	echo "usage: ./make.sh demo|test|test-repeat [N]|build|deps" >&2
	exit 2
	;;
esac
