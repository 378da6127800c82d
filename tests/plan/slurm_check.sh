#!/usr/bin/env bash
# slurm_check.sh MMREPLAY PLAN - a plan emitted for Slurm runs on a real
# Slurm and gives what a local run gives (issue 20).
#
# It starts a private single-node Slurm (tests/plan/slurm_node.sh: munged,
# slurmctld and slurmd of the Debian packages slurm-wlm and munge, in a
# temporary folder, on ports of their own), then runs PLAN twice:
#   mmreplay run PLAN -o A                  locally;
#   mmreplay run PLAN -o B --emit slurm     prepares B and writes B/jobs.tsv and
#                                           B/slurm.sbatch, running nothing;
#   cd B && sbatch slurm.sbatch             its array job, one task a job, on
#                                           the private node, until it has left
#                                           the queue (5 minutes at most);
# and checks that every task completed, that A and B hold the same results
# (the same cells/CELL/ENGINE/results.json paths, one for each of the
# plan's jobs) and that `mmreplay plan show PLAN -o B` counts every job done.
# The node is stopped and everything removed on the way out, failed or not.
#
# By hand, from the build folder (as root, slurm-wlm and munge installed):
#   ../tests/plan/slurm_check.sh cli/mmreplay ../tests/plan/tiny.json
# or `ctest -R plan.slurm --output-on-failure`; `slurm_node.sh start DIR`
# and `stop DIR` give a node to try things on (see that script's header).
#
# Exit status: 0 passed, 1 failed, 77 skipped with the reason on stderr:
# no Slurm here (slurm_node.sh's reasons), or no `mmreplay run` yet.
set -uo pipefail

die() { echo "slurm_check: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: slurm_check.sh MMREPLAY PLAN"
here=$(cd "$(dirname "$0")" && pwd)
mmr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
plan=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[ -x "$mmr" ] || die "$1: not an executable"
[ -f "$plan" ] || die "$2: no such plan"
if ! "$mmr" help run >/dev/null 2>&1; then
	echo "slurm_check: skipped: $mmr has no 'run' command" >&2
	exit 77
fi

# The node's folder is not inside $work: munged wants every folder above
# its socket searchable by all, and mktemp -d makes $work private.
work=$(mktemp -d "${TMPDIR:-/tmp}/mmr-slurm-check.XXXXXX") || die "cannot make a temporary folder"
node=$(mktemp -u "${TMPDIR:-/tmp}/mmr-slurm.XXXXXX")
# shellcheck disable=SC2154 # rc is the trap's own
trap 'rc=$?; "$here/slurm_node.sh" stop "$node" || rc=1; rm -rf "$work"; exit $rc' EXIT
# bash runs no EXIT trap when a signal kills it (ctest's timeout, ^C): exit instead, so the
# node is stopped and no root daemon outlives the test.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
"$here/slurm_node.sh" start "$node" >"$work/env" || exit $?
. "$work/env"
mapfile -t vars < <(compgen -e | grep -E '^(SBATCH|SQUEUE|SLURM)_' | grep -vx SLURM_CONF)
[ ${#vars[@]} -eq 0 ] || unset "${vars[@]}"

# The plan's job count, from the first line: "plan NAME: N jobs in M cells; ...".
n=$("$mmr" plan show "$plan" | sed -n '1s/^plan [^:]*: \([0-9]*\) jobs in .*/\1/p')
[ -n "$n" ] && [ "$n" -gt 0 ] || die "plan show $plan: no job count in its first line"

cd "$work" || die "cannot enter $work"
"$mmr" run "$plan" -o A >run-A.out 2>&1 || die "run $plan -o A failed: $(tail -3 run-A.out)"
"$mmr" run "$plan" -o B --emit slurm >run-B.out 2>&1 || die "run $plan -o B --emit slurm failed: $(tail -3 run-B.out)"
[ -f B/jobs.tsv ] && [ -f B/slurm.sbatch ] || die "run --emit slurm wrote no B/jobs.tsv or B/slurm.sbatch"
[ "$(wc -l <B/jobs.tsv)" -eq "$n" ] || die "B/jobs.tsv has $(wc -l <B/jobs.tsv) lines, not the plan's $n jobs"
grep -qx "#SBATCH --array=1-$n" B/slurm.sbatch || die "B/slurm.sbatch has no '#SBATCH --array=1-$n' line"
"$mmr" plan show "$plan" -o B | tail -1 | grep -q "^0 of $n jobs done" || die "run --emit slurm ran jobs itself"

# The tasks run with sbatch's environment: the mmreplay under test comes
# first on PATH, should a job name it without its folder.
id=$(cd B && PATH=$(dirname "$mmr"):$PATH sbatch --parsable slurm.sbatch) || die "sbatch B/slurm.sbatch failed: $id"
if ! "$here/slurm_node.sh" wait "$id" 300 "$n"; then
	for f in B/logs/*; do [ -f "$f" ] && { echo "--- $f"; tail -5 "$f"; }; done >&2
	die "the array job of B/slurm.sbatch failed"
fi

(cd A && find cells -name results.json | sort) >A.results
(cd B && find cells -name results.json | sort) >B.results
[ "$(wc -l <A.results)" -eq "$n" ] || die "the local run left $(wc -l <A.results) results.json, not $n"
diff A.results B.results >&2 || die "the Slurm run's results.json (>) differ from the local run's (<)"
"$mmr" plan show "$plan" -o B | tail -1 | grep -q "^$n of $n jobs done" ||
	die "plan show -o B: $("$mmr" plan show "$plan" -o B | tail -1)"
echo "slurm_check: the $n jobs of $(basename "$plan") ran as Slurm job $id and match the local run"
