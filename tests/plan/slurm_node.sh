#!/usr/bin/env bash
# slurm_node.sh - a private single-node Slurm cluster for the tests, on this
# machine, started and stopped by the test that needs it.
#
#   slurm_node.sh start DIR   make DIR (it must not exist), start munged,
#                             slurmctld and slurmd there and wait (30 s at
#                             most) until the node is idle; print the line
#                             "export SLURM_CONF=DIR/slurm.conf" for sbatch,
#                             squeue and scontrol
#   slurm_node.sh stop DIR    cancel its jobs, stop every process it started
#                             (and the job steps they started), remove DIR
#   slurm_node.sh wait JOB SECONDS TASKS
#                             wait (SECONDS at most) until job JOB (an
#                             array job of TASKS tasks, SLURM_CONF set) has
#                             left the queue; fail, listing them, unless its
#                             TASKS tasks all completed with exit status 0
#   slurm_node.sh selftest    start a node in a temporary folder, run a
#                             4-task array job on it, check that each task
#                             ran once, stop the node
#
# Everything lives in DIR: the munge key, socket, pid, log and seed files,
# slurm.conf, the state and spool folders and the daemons' logs.  The ports
# are two free ones asked of the kernel, not Slurm's 6817/6818, and the
# munge socket is DIR's own, so a system-wide slurm or munge (which the
# Debian packages set up as systemd services) is neither used nor disturbed,
# and two tests may run side by side.  No cgroups (proctrack/linuxproc,
# task/none) and no accounting, so that no daemon but these three is needed.
#
# Exit status: 0 done, 1 failed, 77 Slurm cannot run here (ctest's
# SKIP_RETURN_CODE; the reason is one line on stderr): its packages
# (slurm-wlm, munge) are not installed, we are not root (slurmd must be), or
# the daemons did not come up; a node that started is stopped first.
#
# stop finds the node's processes in /proc (the daemons by MMR_SLURM_NODE=DIR
# in their environment, the job steps by their working folder in DIR, and
# what these started) and ends each by its pid, never by name.  munged wants
# every folder above its socket searchable by all: DIR's parent must be
# (/tmp is; a folder of mktemp -d is not).
set -uo pipefail

skip() { echo "slurm_node: skipped: $*" >&2; exit 77; }
die() { echo "slurm_node: $*" >&2; exit 1; }

# pids DIR: the pids of every process of the node in DIR: the daemons,
# which carry MMR_SLURM_NODE=DIR in their environment; the job steps, which
# do not (slurmd starts slurmstepd with an empty one) but work in DIR/log,
# as the daemons do; and what these started: the jobs.  /proc is read by one
# grep and one find, and processes come and go while they read: hence -s
# and 2>/dev/null.  Never this script or its caller.
pids() {
	local roots
	roots=$({
		grep -lszxF "MMR_SLURM_NODE=$1" /proc/[0-9]*/environ
		find /proc/[0-9]* -maxdepth 1 -name cwd \( -lname "$1" -o -lname "$1/*" \) 2>/dev/null
	} | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p' | sort -u)
	[ -n "$roots" ] || return 0
	ps -e -o pid=,ppid= | awk -v roots="$roots" -v self=$$ -v parent=$PPID '
		BEGIN { n = split(roots, r); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
		{ up[$1] = $2 }
		END {
			do {
				more = 0
				for (p in up)
					if (!(p in keep) && (up[p] in keep)) { keep[p] = 1; more = 1 }
			} while (more)
			for (p in keep) if (p != self && p != parent && (p in up)) print p
		}'
}

none_left() { [ -z "$(pids "$1")" ]; }
queue_empty() { [ -z "$(squeue -h 2>/dev/null)" ]; }

# free_ports: two distinct ports free now, for slurmctld and slurmd.
free_ports() {
	python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))'
}

write_conf() {
	local d=$1 host=$2 node cport dport
	# slurmd -C is the node as slurmd will see it (CPUs, sockets, cores,
	# threads); memory is left at Slurm's default of 1 MB so that nothing
	# the tests ask for depends on it.
	node=$(slurmd -C | head -1 | sed 's/ RealMemory=[0-9]*//')
	[ -n "$node" ] || return 1
	read -r cport dport < <(free_ports)
	[ -n "$dport" ] || return 1
	: >"$d/plugstack.conf"
	cat >"$d/slurm.conf" <<EOF
# The private test node of tests/plan/slurm_node.sh.
ClusterName=mmrtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$d/plugstack.conf
TmpFS=$d/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

# wait_for SECONDS CMD...: run CMD every 0.2 s until it succeeds; fail after SECONDS.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

node_idle() { [ "$(sinfo -h -N -o %t 2>/dev/null)" = idle ]; }

start() {
	local d=$1 host why
	for c in munged slurmctld slurmd sbatch squeue sinfo scontrol; do
		command -v "$c" >/dev/null || skip "$c not found (install slurm-wlm and munge)"
	done
	[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root"
	# munged wants every folder above its socket searchable by all.
	mkdir -m 711 "$d" || die "cannot make $d"
	d=$(cd "$d" && pwd)
	mkdir -m 711 "$d/munge" || die "cannot fill $d"
	mkdir -m 700 "$d/state" "$d/spool" "$d/log" "$d/tmp" || die "cannot fill $d"
	host=$(hostname -s)
	write_conf "$d" "$host" || { rm -rf "$d"; skip "slurmd -C or python3 failed: no node description or ports"; }
	export SLURM_CONF=$d/slurm.conf
	# 1 KiB of random bytes is a key as mungekey makes them.
	head -c 1024 /dev/urandom >"$d/munge/key" && chmod 400 "$d/munge/key"
	why=""
	if ! MMR_SLURM_NODE=$d munged --socket="$d/munge/socket" --key-file="$d/munge/key" --pid-file="$d/munge/pid" \
		--log-file="$d/munge/log" --seed-file="$d/munge/seed" >"$d/log/munged.out" 2>&1; then
		why="munged did not start: $(tail -1 "$d/log/munged.out")"
	elif ! MMR_SLURM_NODE=$d slurmctld -f "$SLURM_CONF" >"$d/log/slurmctld.out" 2>&1; then
		why="slurmctld did not start: $(tail -1 "$d/log/slurmctld.out")"
	elif ! MMR_SLURM_NODE=$d slurmd -f "$SLURM_CONF" >"$d/log/slurmd.out" 2>&1; then
		why="slurmd did not start: $(tail -1 "$d/log/slurmd.out")"
	elif ! wait_for 30 node_idle; then
		why="node $host not idle after 30 s (sinfo: $(sinfo -h -N -o '%t %E' 2>&1 | head -1));" \
			"see $d/log/slurmctld.log: $(tail -1 "$d/log/slurmctld.log" 2>/dev/null)"
	fi
	if [ -n "$why" ]; then
		echo "slurm_node: skipped: $why" >&2
		stop "$d" >/dev/null
		exit 77
	fi
	echo "export SLURM_CONF=$d/slurm.conf"
}

stop() {
	local d=$1 left
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	export SLURM_CONF=$d/slurm.conf
	# Cancel what is queued or running, so the steps end before their slurmd.
	if [ -f "$d/slurmctld.pid" ]; then
		scancel --quiet --full -p test 2>/dev/null && wait_for 10 queue_empty
	fi
	# TERM first (each daemon removes its socket or pid file), then KILL
	# what is left after 5 s (a job step whose slurmctld is gone ignores TERM).
	mapfile -t left < <(pids "$d")
	[ ${#left[@]} -eq 0 ] || kill -TERM "${left[@]}" 2>/dev/null
	wait_for 5 none_left "$d" || {
		mapfile -t left < <(pids "$d")
		[ ${#left[@]} -eq 0 ] || kill -KILL "${left[@]}" 2>/dev/null
		wait_for 5 none_left "$d"
	}
	mapfile -t left < <(pids "$d")
	[ ${#left[@]} -eq 0 ] || die "stop: still running in $d: ${left[*]}"
	rm -rf "$d"
}

# job_gone JOB: squeue answers and no task of JOB is pending or running.
job_gone() {
	local q
	q=$(squeue -h -j "$1" 2>/dev/null) || return 1
	[ -z "$q" ]
}

# wait_job JOB SECONDS TASKS: see the header.  Polling squeue is quicker
# than sbatch --wait, whose polls back off to seconds apart; ended jobs stay
# known to scontrol for MinJobAge (300 s), long enough to read their states.
wait_job() {
	local id=$1 tasks
	wait_for "$2" job_gone "$id" || die "job $id still in the queue after $2 s: $(squeue -h -j "$id" 2>&1 | head -3)"
	tasks=$(scontrol -o show job "$id" | awk '{
		t = "-"; st = "?"; ex = "?"
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ArrayTaskId=/) t = substr($i, 13)
			if ($i ~ /^JobState=/) st = substr($i, 10)
			if ($i ~ /^ExitCode=/) ex = substr($i, 10)
		}
		print t, st, ex
	}')
	[ "$(grep -c . <<<"$tasks")" -eq "$3" ] || die "job $id has $(grep -c . <<<"$tasks") tasks, not $3: $tasks"
	! grep -qv ' COMPLETED 0:0$' <<<"$tasks" ||
		die "job $id: tasks that failed (task, state, exit:signal): $(grep -v ' COMPLETED 0:0$' <<<"$tasks" | tr '\n' ';')"
}

# selftest: the harness itself, with a 4-task array job that writes a file a task.
selftest() {
	local id n
	# Globals: the trap runs after this function has returned.
	d=$(mktemp -u "${TMPDIR:-/tmp}/mmr-slurm.XXXXXX")
	out=$(mktemp -d "${TMPDIR:-/tmp}/mmr-slurm-out.XXXXXX")
	# shellcheck disable=SC2154 # rc is the trap's own
	trap 'rc=$?; (stop "$d") || rc=1; rm -rf "$out"; exit $rc' EXIT
	# bash runs no EXIT trap when a signal kills it (ctest's timeout, ^C): exit instead, so the
	# node is stopped and no root daemon outlives the test.
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	(start "$d") >"$out/env" || exit $?
	echo "slurm_node: node up in $SECONDS s"
	. "$out/env"
	cat >"$out/array.sbatch" <<EOF
#!/bin/sh
#SBATCH --array=1-4
#SBATCH --output=$out/task-%a.log
#SBATCH --time=5
echo "\$SLURM_ARRAY_TASK_ID" >>"$out/ran.\$SLURM_ARRAY_TASK_ID"
EOF
	id=$(sbatch --parsable "$out/array.sbatch") || die "sbatch failed: $id"
	wait_job "$id" 60 4
	for n in 1 2 3 4; do
		[ "$(cat "$out/ran.$n" 2>/dev/null)" = "$n" ] || die "array task $n of job $id did not run once"
	done
	[ ! -e "$out/ran.5" ] || die "array job $id ran a fifth task"
	echo "slurm_node: array job $id ran its 4 tasks on $(hostname -s)"
}

# Slurm's commands take options from SBATCH_*, SQUEUE_* and SLURM_* (a
# partition, an account, another cluster's conf): none of them is for this node.
mapfile -t vars < <(compgen -e | grep -E '^(SBATCH|SQUEUE|SINFO|SCANCEL|SCONTROL|SLURM)_' | grep -vx SLURM_CONF)
[ ${#vars[@]} -eq 0 ] || unset "${vars[@]}"
case "${1:-}" in
start) [ $# -eq 2 ] || die "usage: slurm_node.sh start DIR"; start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: slurm_node.sh stop DIR"; stop "$2" ;;
wait) [ $# -eq 4 ] || die "usage: slurm_node.sh wait JOB SECONDS TASKS"; wait_job "$2" "$3" "$4" ;;
selftest) [ $# -eq 1 ] || die "usage: slurm_node.sh selftest"; selftest ;;
*) die "usage: slurm_node.sh start DIR | stop DIR | wait JOB SECONDS TASKS | selftest" ;;
esac
