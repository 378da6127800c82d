#!/bin/bash
# pkg_dir_check.sh SRC WORK: make.sh (which works from SRC, so a relative
# PKG_DIR is SRC's) empties PKG_DIR before a package build,
# so it must refuse, before installing or building anything, a PKG_DIR it did
# not make: '/', '.', and a folder holding someone's files, which must still
# be there afterwards.  An empty folder, and one it made, are taken.
set -u
src=$1 work=$2
rm -rf "$work" && mkdir -p "$work/theirs" "$work/ours" "$work/empty" || exit 1
echo keep >"$work/theirs/file"
: >"$work/ours/.mmreplay-package-build"
# Should the guard let one through, stubs stop make.sh at its first package
# tool instead of installing or building for minutes (the loss is then seen).
mkdir -p "$work/bin"
for t in apt-get dpkg-buildpackage lintian sudo; do
	printf '#!/bin/sh\necho "stub %s: the guard let PKG_DIR through" >&2\nexit 97\n' "$t" >"$work/bin/$t"
	chmod +x "$work/bin/$t"
done
export PATH=$work/bin:$PATH
fail() { echo "pkg_dir_check: $*" >&2; exit 1; }
# refused DIR PATTERN: make.sh package exits 2 with one line matching PATTERN.
refused() {
	local err rc
	err=$(PKG_DIR=$1 "$src/make.sh" package 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] || fail "PKG_DIR=$1: exit $rc, not 2"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "PKG_DIR=$1: not one line: $err"
	printf '%s\n' "$err" | grep -q "$2" || fail "PKG_DIR=$1: '$err' does not say '$2'"
}
refused / "name a folder of its own"
refused . "name a folder of its own"
refused "$work/theirs" "holds files this script did not make"
[ "$(cat "$work/theirs/file")" = keep ] || fail "a refused PKG_DIR lost its file"
# The guard alone (make.sh deps would install): source make.sh's function in a subshell.
taken() {
	(PKG_DIR=$1 bash -c 'source <(sed -n "/^PKG_MARK=/,/^}/p" "$0") && check_pkg_dir' "$src/make.sh") ||
		fail "PKG_DIR=$1 refused"
}
taken "$work/empty"
taken "$work/ours"
taken "$work/never-made"
echo "pkg_dir_check: make.sh refuses a PKG_DIR it did not make and takes its own"
