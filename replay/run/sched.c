/* SPDX-License-Identifier: MIT */
/*
 * sched.c - how the replay's threads are scheduled (--sched), and whether
 * lock holders are watched for preemption.
 *
 * A kernel spinlock's holder cannot be preempted.  A replay thread can:
 * any runnable task may take its CPU while it holds a lock, and the hold
 * and its waiters' waits then grow by a time slice.  Under --sched fifo
 * each replay thread is pinned to its own CPU and runs SCHED_FIFO, so no
 * ordinary task and no other replay thread preempts it (same-priority
 * FIFO threads never preempt each other).  That needs as many CPUs as
 * threads and the right to use real-time scheduling (root or
 * CAP_SYS_NICE); the default, auto, uses it exactly then.
 *
 * The engine's workers (purge, reclaim, release work) are kernel workers
 * in the model, and a kworker is an ordinary task that the kernel runs at
 * its next chance: it preempts the running task at a preemption point,
 * never inside a spinlock.  Left SCHED_OTHER, a worker would get the CPU
 * only in the sliver of time the kernel keeps for ordinary tasks beside
 * real-time ones (sched_rt_runtime_us, the fair server), and a replay
 * thread waiting for it would wait most of a second.  So workers run
 * real-time at the replay threads' priority, unpinned, and each replay
 * thread offers its CPU (sched_yield, which hands it to a runnable task of
 * the same priority) between two ops, holding no lock, once per
 * RP_SCHED_TICK_NS: the kernel's own granularity for preempting a task at
 * its next preemption point is a scheduler tick, 1 ms at CONFIG_HZ=1000
 * and 4 ms at 250.  Workers are SCHED_RR, not FIFO: a worker with a long
 * backlog (a timer catching up at the end of a run) would otherwise keep
 * a replay thread off its CPU until done, while a round-robin task goes
 * to the back of its priority's queue when its slice ends
 * (sched_rr_timeslice_ms, 100 ms by default), behind the FIFO replay
 * thread, which never has to give way to it.  The replay threads take
 * FIFO only once every thread is ready, and the runner's own thread
 * (monitor, progress) stays SCHED_OTHER: it needs little CPU while a
 * replay runs.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmr_clock.h"
#include "mmr_lock_stats.h"
#include "run_internal.h"

static const char *const sched_names[] = {[MMR_SCHED_AUTO] = "auto", [MMR_SCHED_FIFO] = "fifo",
					   [MMR_SCHED_OTHER] = "other"};

const char *mmr_replay_sched_name(enum mmr_replay_sched s)
{
	return (unsigned)s < sizeof(sched_names) / sizeof(sched_names[0]) ? sched_names[s] : NULL;
}

int mmr_replay_sched_from_name(const char *name, enum mmr_replay_sched *s)
{
	for (unsigned i = 0; i < sizeof(sched_names) / sizeof(sched_names[0]); i++)
		if (name && !strcmp(name, sched_names[i])) {
			*s = (enum mmr_replay_sched)i;
			return 0;
		}
	return -1;
}

/* The lowest real-time priority: above every ordinary task, below every kernel real-time thread. */
#define RP_SCHED_PRIO 1

/* Whether this process may use SCHED_FIFO: tried on the calling thread and undone.  0, or an errno. */
static int fifo_allowed(void)
{
	int policy;
	struct sched_param old, p = {.sched_priority = RP_SCHED_PRIO};
	int err = pthread_getschedparam(pthread_self(), &policy, &old);
	if (err)
		return err;
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
	if (err)
		return err;
	pthread_setschedparam(pthread_self(), policy, &old);
	return 0;
}

int rp_sched_decide(enum mmr_replay_sched want, unsigned threads, unsigned online, struct rp_sched *s,
		    struct mmr_error *err)
{
	memset(s, 0, sizeof(*s));
	s->want = want;
	if (want == MMR_SCHED_OTHER) {
		snprintf(s->why, sizeof(s->why), "--sched other");
		return 0;
	}
	/* Where many replays share a machine at once (a test suite), FIFO ones would starve the others. */
	const char *env = getenv("MMREPLAY_SCHED");
	if (want == MMR_SCHED_AUTO && env && !strcmp(env, "other")) {
		snprintf(s->why, sizeof(s->why), "auto: MMREPLAY_SCHED=other");
		return 0;
	}
	const char *who = want == MMR_SCHED_FIFO ? "--sched fifo" : "auto";
	if (threads > online) {
		if (want == MMR_SCHED_FIFO) {
			snprintf(err->msg, sizeof(err->msg),
				 "replay: --sched fifo: %u threads on %u online CPUs (FIFO threads need a CPU each; "
				 "use fewer threads or --sched other)", threads, online);
			return -1;
		}
		snprintf(s->why, sizeof(s->why), "auto: %u threads on %u online CPUs, not one CPU each", threads,
			 online);
		return 0;
	}
	int e = fifo_allowed();
	if (e) {
		if (want == MMR_SCHED_FIFO) {
			snprintf(err->msg, sizeof(err->msg),
				 "replay: --sched fifo: SCHED_FIFO refused: %s (needs root or CAP_SYS_NICE; or --sched other)",
				 strerror(e));
			return -1;
		}
		snprintf(s->why, sizeof(s->why), "auto: SCHED_FIFO refused: %s", strerror(e));
		return 0;
	}
	s->fifo = true;
	snprintf(s->why, sizeof(s->why), "%s: %u thread%s on %u online CPUs, SCHED_FIFO allowed", who, threads,
		 threads == 1 ? "" : "s", online);
	return 0;
}

void rp_sched_preempt_watch(struct rp_sched *s, bool timing)
{
	if (!timing) {
		mmr_lock_set_preempt_watch(false, s->watch_why, sizeof(s->watch_why));
		snprintf(s->watch_why, sizeof(s->watch_why), "off: --no-timing");
		return;
	}
	s->watched = mmr_lock_set_preempt_watch(true, s->watch_why, sizeof(s->watch_why)) == 0;
	if (s->watched)
		snprintf(s->watch_why, sizeof(s->watch_why), "each thread's perf context-switch records");
}

/* Under fifo, the calling thread takes POLICY at the replay's priority; a refusal is counted. */
static void take_policy(struct rp_run *run, int policy)
{
	struct sched_param p = {.sched_priority = RP_SCHED_PRIO};
	if (run->sched && run->sched->fifo && pthread_setschedparam(pthread_self(), policy, &p) != 0)
		atomic_fetch_add(&run->sched_refused, 1);
}

void rp_sched_replay_thread(struct rp_run *run)
{
	take_policy(run, SCHED_FIFO);
}

void rp_sched_worker(struct rp_run *run)
{
	take_policy(run, SCHED_RR);
}

void rp_sched_offer(struct rp_sched_tick *k)
{
	uint64_t now = mmr_clock_ticks();
	if (now - k->last < k->every)
		return;
	k->last = now;
	if (mmr_lock_held_by_self() == 0)
		sched_yield();
}

void rp_sched_tick_init(struct rp_sched_tick *k)
{
	k->every = (uint64_t)(mmr_clock_hz() * (RP_SCHED_TICK_NS / 1e9));
	k->last = mmr_clock_ticks();
}
