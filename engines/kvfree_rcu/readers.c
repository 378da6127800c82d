/* SPDX-License-Identifier: MIT */
/*
 * readers.c - RCU readers, so that a grace period costs what it costs on
 * a running kernel, and the model's synchronize_rcu().
 *
 * Without readers a liburcu grace period has nothing to wait for and
 * takes about a microsecond; in the kernel synchronize_rcu() waits for
 * every CPU to pass through a quiescent state, milliseconds on a normal
 * kernel (seed 003: it "can be long and blocks a current context", the
 * reason the one-argument form's fallback is the bad case).  So the
 * engine's last workers are readers: each runs read-side critical
 * sections of reader_ns (plus up to reader_jitter_pct more, drawn
 * uniformly), back to back or reader_gap_ns apart, and sleeps inside
 * them (urcu-memb allows a reader to block), so they take no CPU from
 * the replay threads.  They are workers the runner starts, so its
 * scheduling policy applies to them as to the monitors.
 *
 * The model's grace period: a CPU reports a quiescent state only after
 * it has noticed that a grace period began, so the kernel's grace period
 * waits for each CPU's next boundary and then the stretch up to its next
 * quiescent state.  Here kr_synchronize() waits until every running
 * reader has begun a section since the call, then for a liburcu grace
 * period, which cannot end before that section has.  A grace period
 * thus lasts at least one whole section and at most about two (the one
 * in flight, then the next), whatever the instant it starts: the lower
 * bound the tests check.  It also lasts at least gp_ns, the normal grace
 * period measured on the running kernel: its length there comes from
 * the grace-period machinery (quiescent states noticed at ticks, forcing
 * scans jiffies apart), which sections of one tick alone would not give.
 * A reader that is not running (before the runner starts it, after it
 * stops, in the engine's own tests) is not waited for, so the end of a
 * run and destroy never hang on one.  Told to stop, readers go on until
 * the engine's other workers have returned, so that the monitors' last
 * drains wait for them as every other batch did (a worker that starts
 * after the stop is not waited for).
 *
 * Forced quiescent states: the kernel stops waiting for CPUs to pass
 * through a quiescent state in their own time when a grace period is
 * expedited (every one on a kernel booted with rcu_expedited=1, this
 * reference machine's) or when a CPU's callback list has grown by more
 * than qhimark callbacks (kernel/rcu/tree.c, __call_rcu_core, which then
 * kicks the grace period in progress; seed 003: "RCU does in fact take
 * auto-expediting steps when any CPU's callback list exceeds 10,000
 * elements").  A reader's section stands for a CPU's stretch between
 * quiescent states, so a forced grace period ends every section in
 * flight at once and keeps new ones from beginning until it is over: it
 * then lasts what waking the readers and a liburcu grace period cost.
 *
 * The callrcu baseline's callbacks wait in per-CPU lists that the CPU's
 * monitor hands to kr_synchronize, like every other grace period.
 */
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "kvfree_rcu.h"

int kr_readers_init(struct kr_readers *rd)
{
	if (rd->n && !(rd->r = calloc(rd->n, sizeof(*rd->r))))
		return -1;
	for (unsigned i = 0; i < rd->n; i++)
		rd->r[i].rng = 0x9e3779b97f4a7c15ull * (i + 1); /* any nonzero seed: xorshift's state */
	if (pthread_mutex_init(&rd->mu, NULL))
		return -1;
	/* Sections end at a deadline on the monotonic clock, as mmr_now_ns() reads it. */
	pthread_condattr_t ca;
	int rc = pthread_condattr_init(&ca);
	rc = rc ? rc : pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = rc ? rc : pthread_cond_init(&rd->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc) {
		pthread_mutex_destroy(&rd->mu);
		return -1;
	}
	rd->inited = true;
	return 0;
}

void kr_readers_fini(struct kr_readers *rd)
{
	if (rd->inited) {
		pthread_cond_destroy(&rd->cv);
		pthread_mutex_destroy(&rd->mu);
	}
	free(rd->r);
	rd->r = NULL;
}

/*
 * Sleep NS of wall time: a reader's gap, or what is left of a grace
 * period's least length, is a cost like a busy-wait's, not a timer of the
 * trace.
 */
static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	while (ns && nanosleep(&ts, &ts) != 0)
		;
}

/* The next section's length for reader R: len plus up to jitter, uniform (xorshift64). */
static uint64_t draw(const struct kr_readers *rd, struct kr_reader *r)
{
	if (!rd->jitter_ns)
		return rd->len_ns;
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return rd->len_ns + r->rng % (rd->jitter_ns + 1);
}

/* Mark reader R running or not, waking the grace periods that wait on it. */
static void set_running(struct kr_readers *rd, struct kr_reader *r, bool running)
{
	pthread_mutex_lock(&rd->mu);
	r->running = running;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
}

/*
 * One section of LEN ns, under RD's mutex: it ends at its deadline or
 * when a grace period forces quiescent states.  Entered in the section,
 * so that a grace period that saw it begin waits for its end.  Returns
 * whether it was cut short.
 */
static bool section(struct kr_readers *rd, struct kr_reader *r, uint64_t len)
{
	r->seq++;
	if (rd->waiters)
		pthread_cond_broadcast(&rd->cv);
	uint64_t end = mmr_now_ns() + len;
	struct timespec dl = {(time_t)(end / 1000000000u), (long)(end % 1000000000u)};
	while (!rd->forcing && mmr_now_ns() < end)
		pthread_cond_timedwait(&rd->cv, &rd->mu, &dl);
	return rd->forcing;
}

void kr_reader_run(struct kr_engine *e, unsigned i, const atomic_bool *stop)
{
	struct kr_readers *rd = &e->readers;
	struct kr_reader *r = &rd->r[i];
	kr_rcu_register();
	/*
	 * A sleep ends up to the thread's timer slack late (50 us by default,
	 * prctl(2)): as long as a whole expedited grace period.  The least
	 * slack keeps a section near reader_ns; what the scheduler adds
	 * stays, and the report's reader_section_ns_mean shows the sections'
	 * real length.
	 */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	set_running(rd, r, true);
	while (!atomic_load_explicit(stop, memory_order_relaxed) ||
	       atomic_load_explicit(&rd->others, memory_order_relaxed)) {
		uint64_t len = draw(rd, r);
		pthread_mutex_lock(&rd->mu);
		/* This CPU has reported its quiescent state to a forced grace period: none begins until it ends. */
		while (rd->forcing)
			pthread_cond_wait(&rd->cv, &rd->mu);
		kr_rcu_read_lock();
		uint64_t t0 = mmr_now_ns();
		/* Counted before the section ends: the forced grace period that cut it sees the count. */
		atomic_fetch_add_explicit(&rd->sections_cut, section(rd, r, len), memory_order_relaxed);
		pthread_mutex_unlock(&rd->mu);
		kr_rcu_read_unlock();
		atomic_fetch_add_explicit(&rd->section_ns_total, mmr_now_ns() - t0, memory_order_relaxed);
		atomic_fetch_add_explicit(&rd->sections, 1, memory_order_relaxed);
		sleep_ns(rd->gap_ns);
	}
	set_running(rd, r, false);
	kr_rcu_unregister();
}

/*
 * Wait until every running reader has begun a section since the call, or
 * a grace period has forced quiescent states (nothing to wait for: none
 * running).
 */
static void wait_next_sections(struct kr_readers *rd)
{
	uint64_t snap[KR_READERS_MAX];
	pthread_mutex_lock(&rd->mu);
	for (unsigned i = 0; i < rd->n; i++)
		snap[i] = rd->r[i].seq;
	uint64_t forced = rd->forced;
	rd->waiters++;
	for (unsigned i = 0; i < rd->n; i++)
		while (rd->r[i].running && rd->r[i].seq == snap[i] && rd->forced == forced)
			pthread_cond_wait(&rd->cv, &rd->mu);
	rd->waiters--;
	pthread_mutex_unlock(&rd->mu);
}

/* Begin (+1) or end (-1) forcing quiescent states: the readers' sections end and none begins meanwhile. */
static void force_qs(struct kr_readers *rd, int delta)
{
	pthread_mutex_lock(&rd->mu);
	rd->forcing += (unsigned)delta;
	rd->forced += delta > 0;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
}

uint64_t kr_synchronize(struct kr_engine *e, bool force)
{
	uint64_t t0 = mmr_now_ns();
	force |= e->expedited;
	if (force) {
		force_qs(&e->readers, 1);
		kr_rcu_synchronize();
		force_qs(&e->readers, -1);
	} else {
		if (e->readers.n)
			wait_next_sections(&e->readers);
		kr_rcu_synchronize();
		uint64_t so_far = mmr_now_ns() - t0;
		if (so_far < e->gp_ns)
			sleep_ns(e->gp_ns - so_far);
	}
	uint64_t ns = mmr_now_ns() - t0;
	atomic_fetch_add_explicit(&e->n.sync_calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.sync_forced, force, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.sync_ns_total, ns, memory_order_relaxed);
	mmr_max_u64(&e->n.sync_ns_max, ns);
	return ns;
}
