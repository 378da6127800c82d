#!/usr/bin/env bash
# completion_check.sh MMREPLAY COMPLETION - the bash completion completes
# from the tool itself (issue 19 §3): commands, a command's options, the
# values its usage lists, engine, workload and family names, comma lists,
# a workload's params.  Each expectation is read from the tool, not written
# here, except a few names every build has.
set -euo pipefail
m=$1 script=$2
fail() { echo "completion_check: $*" >&2; exit 1; }
# The tool as the user types it: mmreplay on PATH.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$(readlink -f "$m")" "$bin/mmreplay"
export PATH=$bin:$PATH
# shellcheck source=/dev/null
source "$script"
complete -p mmreplay >/dev/null || fail "the script registers no completion for mmreplay"
comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _mmreplay; printf '%s\n' "${COMPREPLY[@]}"; }
has() { # has WORD WORDS...: WORD is among the completions of WORDS
	local want=$1 got
	shift
	got=$(comp "$@")
	grep -qxF -- "$want" <<<"$got" || fail "'$*<TAB>' does not offer $want: $(tr '\n' ' ' <<<"$got")"
}
only() { # only WANTED WORDS...: the completions of WORDS are exactly WANTED (space-separated, any order)
	local want=$1 got
	shift
	got=$(comp "$@" | sort | tr '\n' ' ')
	[ "$got" = "$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ')" ] || fail "'$*<TAB>' offers '$got', not '$want'"
}
# Every command of --help.
for c in $(mmreplay --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'); do
	has "$c" mmreplay ""
done
only "replay" mmreplay rep
# Every engine the tool lists, after -e; and the next item of a list.
for e in $(mmreplay list engines | awk 'NR > 1 { print $1 }'); do
	has "$e" mmreplay replay -e ""
done
only "slub,vmalloc-global slub,vmalloc-nodes" mmreplay replay t.mmr -e slub,vmalloc-
has "page-pcp" mmreplay validate t.mmr --engine pa
# Options, long and short, and the values the usage lists.
for o in $(mmreplay help replay | awk '{ i = match($0, /[^ ]/) } i >= 3 && i <= 7 && substr($0, i, 1) == "-" { gsub(/,/, "", $1); print $1; if ($2 ~ /^--/) print $2 }'); do
	has "$o" mmreplay replay t.mmr -
done
has "--pin" mmreplay replay t.mmr --
has "--no-timing" mmreplay replay t.mmr --
only "--map --max-gap" mmreplay replay t.mmr --ma
only "cpu pid hash" mmreplay replay t.mmr --map ""
only "cpu pid hash" mmreplay replay t.mmr -m ""
# --map=VALUE, as bash splits it at the "=".
only "cpu pid hash" mmreplay replay t.mmr --map =
only "pid" mmreplay replay t.mmr --map = p
only "--pin" mmreplay replay t.mmr --map = cpu --pi
only "png svg both" mmreplay plot r --format ""
only "queued all" mmreplay validate t.mmr --spinlock-waits ""
# A value is not taken for an option: after -t 2, options again.
only "--pin" mmreplay replay t.mmr -t 2 --pi
# Workloads, and a workload's params once it is named.
for w in $(mmreplay list workloads | awk 'NR > 1 { print $1 }'); do
	has "$w" mmreplay generate ""
done
has "--cache-pct" mmreplay generate slab-mix -o t.mmr --ca
only "workloads engines events" mmreplay list ""
only "validate" mmreplay help va
has "kvfree_rcu" mmreplay replay t.mmr --as ""
has "slab" mmreplay capture -e ""
has "slab,all" mmreplay capture -e slab,
# File names: one with a space stays one candidate; directories for plot.
cd "$bin"
touch "a b.mmr" && mkdir -p "res dir"
has "a b.mmr" mmreplay stats "a"
has "res dir" mmreplay plot "res"
echo "completion_check: commands, options, values, engines, workloads and families complete"
