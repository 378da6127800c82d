#!/usr/bin/env bash
# count_lines.sh N COMMAND...: run COMMAND and fail unless it prints exactly N lines.
n=$1
shift
got=$("$@" | wc -l)
[ "$got" = "$n" ] || { echo "expected $n lines from '$*', got $got" >&2; exit 1; }
