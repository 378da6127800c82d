#!/usr/bin/env bash
# make.sh - set up, build and run mmreplay on a fresh Debian machine.
#
#   ./make.sh demo   install missing packages, build, run the demo (mmreplay demo)
#   ./make.sh test   install missing packages, build, run every test, then
#                    again under AddressSanitizer and UndefinedBehaviorSanitizer,
#                    then the concurrent ones (ctest label) under ThreadSanitizer,
#                    then every fuzz target for FUZZ_CI_SECONDS (12) each,
#                    then the Debian packages built, installed and checked
#                    (as ./make.sh package)
#   ./make.sh test-repeat [N]  build, then run the concurrent tests (ctest label)
#                    N times each (default 50), stopping at a test's first failure:
#                    a test that fails once in N is flaky and must be fixed
#   ./make.sh fuzz [SECONDS]
#                    install missing packages, build the fuzz targets with clang
#                    and run each for SECONDS (default 300), keeping going past
#                    findings; fails naming each target and saved input
#                    (fuzz-out/findings/; docs/fuzzing.md)
#   ./make.sh package
#                    install missing packages, build the Debian packages from
#                    debian/ (dpkg-buildpackage, into PKG_DIR), check them with
#                    lintian, install them, and check the installed tool from
#                    /usr alone: its engines, man pages, completion, engine SDK
#                    (tests/install/installed_check.sh) and the demo
#   ./make.sh build  install missing packages and build (build/)
#   ./make.sh deps   install missing packages only
#
# Packages come from Debian with apt-get (through sudo when not root); the
# build is CMake with -Werror.  Environment: BUILD_DIR (default build; the
# sanitizer builds go to BUILD_DIR-asan and BUILD_DIR-tsan, the fuzz build
# to BUILD_DIR-fuzz), JOBS (default: online CPUs), DEMO_DIR (default out/demo),
# FUZZ_OUT (default fuzz-out: the fuzzer's corpus, logs and findings),
# PKG_DIR (default pkg-build: the package build's tree and the .deb files; emptied
# before each build, so a non-empty folder this script did not make is refused).
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the build and tests need (pkg-config names in CMakeLists.txt);
# trace-cmd and linux-perf are the references the capture and import tests check against;
# python3 reads JSON results in the CLI tests; the jemalloc, mimalloc and tcmalloc
# engines load their libraries at run time (runtime packages only, no -dev);
# clang and libclang-rt-14-dev are libFuzzer and clang's sanitizer runtimes for
# the fuzz targets, llvm its llvm-symbolizer (named frames in their reports).
# pandoc makes the man pages from docs/ (docs/CMakeLists.txt), man-db and
# bsdextrautils (col) render them in their test.  parallel (GNU parallel) runs
# the script mmreplay run --emit parallel writes, in its test (cli.run_emit_parallel).
# OPTIONAL_PACKAGES are installed when apt can and left out, with one line
# saying so, when it cannot: chromium, the headless browser that checks that
# mmreplay compare's report.html renders (tests/cli/html_check.sh; its tests
# are skipped without it); slurm-wlm and munge, the private single-node Slurm
# that runs a plan emitted for Slurm (tests/plan/slurm_node.sh; its tests are
# skipped without them, and without root).
PACKAGES=(gcc make cmake pkg-config libzstd-dev libxxhash-dev libcjson-dev libcmocka-dev
	libtracefs-dev libtraceevent-dev trace-cmd linux-perf python3 gnuplot-nox
	libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4 liburcu-dev clang libclang-rt-14-dev llvm
	pandoc man-db bsdextrautils parallel)
OPTIONAL_PACKAGES=(chromium slurm-wlm munge)
# What dpkg-buildpackage and lintian need for ./make.sh package (debian/control's Build-Depends are above).
PACKAGING=(dpkg-dev debhelper lintian)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
FUZZ_OUT=${FUZZ_OUT:-fuzz-out}
PKG_DIR=${PKG_DIR:-pkg-build}

say() { printf '==> %s\n' "$*"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_deps() {
	local missing=() optional=() p updated=0
	for p in "${PACKAGES[@]}" "${PACKAGING[@]}"; do
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

# The fuzz build: clang, libFuzzer and both sanitizers (docs/fuzzing.md).
# Without -Werror: clang warns where gcc does not, and the gcc builds hold
# the line on warnings; this build is for finding bugs.  Only the targets
# and what their seeds need are built.
build_fuzz() {
	local dir=$BUILD_DIR-fuzz
	say "building the fuzz targets in $dir"
	cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DMMR_FUZZ=ON -DMMR_BUILD_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$dir" -j "$JOBS" --target mmr_fuzz
}

# run_fuzz SECONDS OUT_DIR: every target for SECONDS each (tests/fuzz/run_fuzz.sh).
run_fuzz() {
	say "fuzzing every target for $1 s each into $2"
	tests/fuzz/run_fuzz.sh "$BUILD_DIR-fuzz" "$1" "$2"
}

run_tests() {
	# Tests run side by side (-j): real-time replays would starve each
	# other's threads and watchdogs, so auto means other here; the --sched
	# tests ask for fifo themselves (docs/cli.md).
	export MMREPLAY_SCHED=other
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
	# A short fuzz of every target, from fresh seeds and the checked-in
	# reproducers, with a fixed seed so that one commit fuzzes alike each time.
	build_fuzz
	rm -rf "$FUZZ_OUT/test"
	FUZZ_SEED=1 run_fuzz "${FUZZ_CI_SECONDS:-12}" "$FUZZ_OUT/test"
	run_package
}

# repeat N: every concurrent test N times in a row; the first failure stops that test and fails the run.
run_repeat() {
	local n=${1:-50}
	case $n in '' | *[!0-9]* | 0) echo "usage: ./make.sh test-repeat [N]: N a count above 0" >&2; return 2 ;; esac
	build "$BUILD_DIR"
	say "the concurrent tests, $n times each"
	ctest --test-dir "$BUILD_DIR" -L concurrent --repeat until-fail:"$n" -j "$JOBS" --output-on-failure
}

# The Debian packages, built from the tracked and unignored files only (a
# build tree of the checkout stays out), in PKG_DIR, where dpkg-buildpackage
# leaves them beside the tree it built; then installed and checked from /usr.
run_package() {
	local version pkg tree sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	version=$(dpkg-parsechangelog -l debian/changelog -S Version)
	rm -rf "$PKG_DIR" && mkdir -p "$PKG_DIR" && : >"$PKG_DIR/$PKG_MARK"
	pkg=$(cd "$PKG_DIR" && pwd)
	tree=$pkg/mmreplay-$version
	say "building the Debian packages of mmreplay $version in $pkg"
	mkdir "$tree"
	# Tracked files deleted in the working copy are left out, not an error.
	git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | tar -cf - --null -T - | tar -xf - -C "$tree"
	(cd "$tree" && dpkg-buildpackage -us -uc -b -j"$JOBS") >"$pkg/build.log" 2>&1 ||
		{ tail -30 "$pkg/build.log"; echo "dpkg-buildpackage failed: $pkg/build.log" >&2; return 1; }
	say "lintian"
	lintian --fail-on error "$pkg"/mmreplay_"${version}"_*.changes
	say "installing $(cd "$pkg" && echo mmreplay_"$version"_*.deb mmreplay-dev_"$version"_*.deb)"
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --reinstall \
		"$pkg"/mmreplay_"$version"_*.deb "$pkg"/mmreplay-dev_"$version"_*.deb >/dev/null
	say "the installed tool, from /usr alone"
	[ "$(command -v mmreplay)" = /usr/bin/mmreplay ] || { echo "mmreplay on PATH is not /usr/bin/mmreplay" >&2; return 1; }
	MMREPLAY_SCHED=other tests/install/installed_check.sh /usr "$pkg/check"
	(cd "$pkg" && MMREPLAY_SCHED=other mmreplay demo -o demo)
}

# PKG_DIR is emptied before each package build: refuse one this script did
# not make (no PKG_MARK in it) unless it is empty, so that PKG_DIR=/ or a
# typo naming a real folder never loses anything.  Checked before anything
# is installed or built.
PKG_MARK=.mmreplay-package-build
check_pkg_dir() {
	case $PKG_DIR in '' | / | . | ..) echo "make.sh: PKG_DIR='$PKG_DIR': name a folder of its own" >&2; return 2 ;; esac
	# build.log: a package build from before the mark existed.
	if [ -e "$PKG_DIR" ] && [ ! -e "$PKG_DIR/$PKG_MARK" ] && [ ! -f "$PKG_DIR/build.log" ] &&
		[ -n "$(ls -A "$PKG_DIR" 2>/dev/null || echo x)" ]; then
		echo "make.sh: PKG_DIR='$PKG_DIR' holds files this script did not make; it would be emptied: name another" >&2
		return 2
	fi
}

run_demo() {
	build "$BUILD_DIR"
	local out=${DEMO_DIR:-out/demo}
	say "the demo: every seed family's variants compared, into $out (mmreplay demo -o $out)"
	"$BUILD_DIR/cli/mmreplay" demo -o "$out"
}

case ${1:-} in
demo) install_deps && run_demo ;;
test) check_pkg_dir && install_deps && run_tests ;;
test-repeat) install_deps && run_repeat "${2:-50}" ;;
fuzz) install_deps && build_fuzz && FUZZ_KEEP_GOING=${FUZZ_KEEP_GOING:-1} run_fuzz "${2:-300}" "$FUZZ_OUT" ;;
package) check_pkg_dir && install_deps && run_package ;;
build) install_deps && build "$BUILD_DIR" ;;
deps) install_deps ;;
*)
	echo "usage: ./make.sh demo|test|test-repeat [N]|fuzz [SECONDS]|package|build|deps" >&2
	exit 2
	;;
esac
