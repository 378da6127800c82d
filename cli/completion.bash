# bash completion for mmreplay (installed as
# share/bash-completion/completions/mmreplay).
#
# Nothing here is a copy of what the tool knows: the commands come from
# `mmreplay --help`, a command's options, which of them take a value and the
# values listed in its usage ([--map cpu|pid|hash]) from `mmreplay help CMD`
# (a workload's params from `mmreplay generate WORKLOAD --help`), engine and
# workload names and families from `mmreplay list`.  So it cannot go stale.

# The tool the line runs: the word typed, as bash would find it.
_mmreplay_tool() {
	local t=${COMP_WORDS[0]}
	command -v -- "$t" 2>/dev/null || printf '%s\n' "$t"
}

_mmreplay_commands() { "$1" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'; }

# The options of a help text: its option list (indented 2 to 6 spaces) and
# the params of a workload's help.
# (Debian's awk, mawk, has no {m,n} in its regular expressions: the indent is counted.)
_mmreplay_options() { awk '{ i = match($0, /[^ ]/) } i >= 3 && i <= 7 && substr($0, i, 1) == "-" { gsub(/,/, "", $1); print $1; if ($2 ~ /^--/) print $2 }'; }

# The value placeholder of option $2 in help text $1 ("LIST" for -e in
# "  -e, --engine LIST  ..."), with its long name first; nothing when it takes none.
_mmreplay_optarg() {
	awk -v o="$2" '{ i = match($0, /[^ ]/) } i >= 3 && i <= 7 && substr($0, i, 1) == "-" {
		line = $0; sub(/^ +/, "", line); split(line, w, /  +/); n = split(w[1], t, /[ ,]+/)
		long = ""; arg = ""; hit = 0
		for (i = 1; i <= n; i++) {
			if (t[i] ~ /^--/) long = t[i]; else if (t[i] !~ /^-/) arg = t[i]
			if (t[i] == o) hit = 1
		}
		if (hit) { print long, arg; exit }
	}' <<<"$1"
}

# The values the usage lists for --LONG: "[--map cpu|pid|hash]" gives cpu pid hash.
_mmreplay_choices() {
	grep -oE -- "\\[$2[ =][a-z0-9]+(\\|[a-zA-Z0-9]+)+" <<<"$1" | head -1 |
		sed -E "s/^\\[$2[ =]//" | tr '|' '\n' | grep -v '[A-Z]'
}

_mmreplay_engines() { "$1" list engines 2>/dev/null | awk 'NR > 1 { print $1 }'; }
_mmreplay_workloads() { "$1" list workloads 2>/dev/null | awk 'NR > 1 { print $1 }'; }
_mmreplay_families() { "$1" list engines 2>/dev/null | awk 'NR > 1 { n = split($2, f, ","); for (i = 1; i <= n; i++) print f[i] }' | sort -u; }
_mmreplay_capture_families() { { "$1" list events 2>/dev/null | awk 'NR > 1 { print $1 }'; echo all; } | sort -u; }

# File (or, with -d, directory) names: one per line, so that a name with a
# space stays one; "filenames" makes bash add the / of a directory and quote.
_mmreplay_files() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen "${1:--f}" -- "$cur")
}

# Complete the last item of a comma-separated list from the words $1.
_mmreplay_list_item() {
	local cur=$2 head= item=$2
	if [[ $cur == *,* ]]; then head=${cur%,*},; item=${cur##*,}; fi
	local w
	COMPREPLY=()
	for w in $(compgen -W "$1" -- "$item"); do COMPREPLY+=("$head$w"); done
	compopt -o nospace 2>/dev/null
}

# The value of option $prev of command $cmd (help text $help).
_mmreplay_value() {
	local tool=$1 cmd=$2 help=$3 long=$4 arg=$5 cur=$6 choices
	choices=$(_mmreplay_choices "$help" "$long")
	if [ -n "$choices" ]; then
		COMPREPLY=($(compgen -W "$choices" -- "$cur"))
		return
	fi
	case $cmd:$long in
	capture:--events) _mmreplay_list_item "$(_mmreplay_capture_families "$tool")" "$cur" ;;
	*:--engine) _mmreplay_list_item "$(_mmreplay_engines "$tool")" "$cur" ;;
	*:--baseline) COMPREPLY=($(compgen -W "$(_mmreplay_engines "$tool")" -- "$cur")) ;;
	*:--as) COMPREPLY=($(compgen -W "$(_mmreplay_families "$tool")" -- "$cur")) ;;
	*)
		case $arg in
		DIR | RESULTS_DIR | REPORT_DIR | OUT) _mmreplay_files -d ;;
		TRACE | FILE | PROFILE | PATH | P) _mmreplay_files ;;
		*) COMPREPLY=() ;; # a number, a key=value: nothing to offer
		esac
		;;
	esac
}

# The positional word of command $cmd: what its usage names first.
_mmreplay_positional() {
	local tool=$1 cmd=$2 cur=$3 npos=$4
	case $cmd in
	help) [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_mmreplay_commands "$tool")" -- "$cur")) ;;
	list) [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "workloads engines events" -- "$cur")) ;;
	generate) [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_mmreplay_workloads "$tool")" -- "$cur")) ;;
	plan) if [ "$npos" -eq 0 ]; then COMPREPLY=($(compgen -W "show" -- "$cur")); else _mmreplay_files; fi ;;
	plot | compare | collect) _mmreplay_files -d ;;
	capture) COMPREPLY=($(compgen -c -- "$cur")) ;;
	*) _mmreplay_files ;;
	esac
}

_mmreplay() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local tool cmd= i help spec npos=0 wl=
	# bash splits --map=cpu into "--map" "=" "cpu": the value of --map either way.
	if [ "$cur" = = ]; then
		cur= prev=${COMP_WORDS[COMP_CWORD - 1]}
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	tool=$(_mmreplay_tool)
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_mmreplay_commands "$tool") --help --version" -- "$cur"))
		return
	fi
	help=$("$tool" help "$cmd" 2>/dev/null) || return
	# Positionals so far (words after the command that are neither options nor their values).
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--) [ "$cmd" = capture ] && { COMPREPLY=($(compgen -c -- "$cur")); return; } ;;
		-*)
			spec=$(_mmreplay_optarg "$help" "${COMP_WORDS[i]}")
			[ "${COMP_WORDS[i + 1]:-}" = = ] && ((i++))
			[ -n "${spec#* }" ] && ((i++))
			;;
		=) ;;
		*) [ $npos -eq 0 ] && wl=${COMP_WORDS[i]}; ((npos++)) ;;
		esac
	done
	# A workload's params are options of generate too.
	[ "$cmd" = generate ] && [ -n "$wl" ] && help+=$'\n'$("$tool" generate "$wl" --help 2>/dev/null)
	if [[ $prev == -* ]]; then
		spec=$(_mmreplay_optarg "$help" "$prev")
		if [ -n "${spec#* }" ] && [ "$spec" != "${spec% *}" ]; then
			_mmreplay_value "$tool" "$cmd" "$help" "${spec%% *}" "${spec#* }" "$cur"
			return
		fi
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_mmreplay_options <<<"$help")" -- "$cur"))
		return
	fi
	_mmreplay_positional "$tool" "$cmd" "$cur" "$npos"
}

complete -F _mmreplay mmreplay
