#!/usr/bin/env bash
# man_check.sh MMREPLAY MAN_DIR - the manual is whole (issue 19 §3): every
# command of `mmreplay --help` has its page in MAN_DIR, every page renders
# with man(1) without a warning, and every option a command's --help names
# (in its usage lines or its option list) appears in its page.  (Debian's
# awk, mawk, has no {m,n} in regular expressions: indents are counted.)
set -euo pipefail
m=$1 dir=$2
fail() { echo "man_check: $*" >&2; exit 1; }
render() { MANWIDTH=200 LC_ALL=C.UTF-8 man --nh --nj --warnings -l "$1" 2>"$tmp/warn" | col -b; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The options a help text names: the usage lines (up to the first blank
# line) and the option list (lines indented 2 to 6 spaces that start with -).
options_of() {
	awk 'NR == 1, /^$/ { print; next } { i = match($0, /[^ ]/) } i >= 3 && i <= 7 && substr($0, i, 1) == "-" { print $1, $2 }' |
		grep -oE '(^|[][ ,|])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|]//' | sort -u
}
commands=$("$m" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ -n "$commands" ] || fail "mmreplay --help lists no command"
pages=0
check_page() { # check_page PAGE HELP_TEXT
	local page=$1 help=$2 text opt
	[ -f "$page" ] || fail "no man page $(basename "$page")"
	text=$(render "$page")
	[ -s "$tmp/warn" ] && fail "$(basename "$page"): man warns: $(head -3 "$tmp/warn")"
	[ "$(wc -l <<<"$text")" -gt 10 ] || fail "$(basename "$page") renders to almost nothing"
	while read -r opt; do
		[ -n "$opt" ] || continue
		# A whole word: -e must be there itself, not inside --engine.
		grep -qE -- "(^|[^[:alnum:]-])$opt([^[:alnum:]-]|$)" <<<"$text" || fail "$(basename "$page") does not mention $opt, which its --help names"
	done < <(options_of <<<"$help")
	pages=$((pages + 1))
}
check_page "$dir/mmreplay.1" "$("$m" --help)"
for c in $commands; do
	[ "$c" = help ] && continue
	check_page "$dir/mmreplay-$c.1" "$("$m" help "$c")"
	# The page names the command's one line of `mmreplay --help`.
	line=$("$m" --help | awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
	render "$dir/mmreplay-$c.1" | tr -s ' \n' ' ' | grep -qF -- "$line" ||
		fail "mmreplay-$c.1 does not say what --help says the command does: $line"
done
echo "man_check: $pages pages render and name every option of their --help"
