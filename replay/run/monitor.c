/* SPDX-License-Identifier: MIT */
/*
 * monitor.c - while the replay threads run: a progress line on a terminal,
 * and the watchdog that makes sure a replay never hangs.
 *
 * A thread that never comes back from an engine call (an engine that
 * deadlocks or loops) shows as a thread running with no progress; a
 * dependency that cannot be met, as every thread waiting.  So the watchdog
 * fires when one thread has been in the same engine call, or no thread
 * has moved, for the limit.  Threads sleeping to honour the trace's timing
 * (--pace original) are not stuck, and their sleeps are bounded (the
 * planner cuts long gaps).  The report names each thread, what it was
 * doing, the op it was on (its op, family, object slot and trace time)
 * and, for a thread waiting on another's op, how far that slot has got;
 * then the process exits with status 3, since a thread stuck inside an
 * engine cannot be taken back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run_internal.h"

/*
 * The monitor looks every POLL_MIN_NS at first, then twice as long each
 * time up to POLL_MAX_NS: a short replay (a test's, a fuzzer's, each run
 * of a --repeat on a small trace) ends within a millisecond or two of its
 * threads instead of after a whole 100 ms look, and a long one costs ten
 * looks a second.  Time is measured, not counted in looks.
 */
#define POLL_MIN_NS (1000 * 1000L)
#define POLL_MAX_NS (100 * 1000 * 1000L)
#define PROGRESS_NS (500 * 1000 * 1000ull)

static const char *const state_names[] = {
	[RS_START] = "starting", [RS_RUN] = "in an engine call", [RS_WAIT] = "waiting for another thread",
	[RS_PACE] = "pacing", [RS_DONE] = "done", [RS_WINDOW] = "at a window's end",
};

/* What one thread did when last looked at, for the watchdog. */
struct watch {
	uint64_t done;
	uint64_t since; /* when it was last seen outside an engine call or moving, ns */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Ops done by all threads; *PACING when any sleeps on the trace's timing; *ALL_DONE. */
static uint64_t progress(struct rp_run *run, bool *pacing, bool *all_done)
{
	uint64_t n = 0;
	*all_done = true;
	*pacing = atomic_load(&run->planning); /* planning the next window is no stall */
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		unsigned st = atomic_load_explicit(&t->state, memory_order_acquire);
		n += atomic_load_explicit(&t->done, memory_order_relaxed);
		*pacing |= st == RS_PACE;
		*all_done &= st == RS_DONE;
	}
	return n;
}

/* The longest any thread has been in one engine call at NOW, in ns; W tracks each thread. */
static uint64_t longest_call(struct rp_run *run, struct watch *w, uint64_t now)
{
	uint64_t most = 0;
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		unsigned st = atomic_load_explicit(&t->state, memory_order_acquire);
		uint64_t done = atomic_load_explicit(&t->done, memory_order_relaxed);
		if (st != RS_RUN || done != w[i].done)
			w[i].since = now;
		w[i].done = done;
		most = now - w[i].since > most ? now - w[i].since : most;
	}
	return most;
}

/*
 * Op I (counted over all windows) of thread T's stream: its op, family,
 * slot and trace time, as the report says them.  The window in flight is
 * not being planned: the thread that would plan it is the one reported on.
 */
static void print_op(FILE *log, const struct rp_run *run, unsigned t, uint64_t i)
{
	const struct rp_stream *st = &run->win->streams[t];
	if (i < st->base || i - st->base >= st->n)
		return;
	const struct rp_op *op = &st->ops[i - st->base];
	const char *name = mmr_op_name(op->op), *fam = mmr_family_name(run->win->sites[op->site].family);
	fprintf(log, "; op %llu", (unsigned long long)i + 1);
	if (!run->src)
		fprintf(log, " of %zu", st->n);
	fprintf(log, ": %s %s", fam ? fam : "?", name ? name : "?");
	if (op->slot != RP_NO_SLOT)
		fprintf(log, " of slot %u (the slot's op %u)", op->slot, op->seq + 1);
	fprintf(log, ", trace time %llu ns ('mmreplay dump' shows %llu)", (unsigned long long)op->ts,
		(unsigned long long)rp_plan_trace_ts(run->plan, op->ts));
}

static _Noreturn void fire(struct rp_run *run, double secs, const char *why, FILE *log)
{
	fprintf(log, "\nmmreplay replay: watchdog: %s for %g s; aborting\n", why, secs);
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		unsigned st = atomic_load(&t->state);
		uint64_t done = atomic_load(&t->done);
		fprintf(log, "  thread %u: %s, %llu", i,
			st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?",
			(unsigned long long)done);
		if (!run->src)
			fprintf(log, " of %zu", run->win->streams[i].n);
		fprintf(log, " ops done");
		if (st == RS_WAIT) {
			unsigned s = atomic_load(&t->wait_slot), seq = atomic_load(&t->wait_seq);
			fprintf(log, ": slot %u needs %u ops done, has %u", s, seq, atomic_load(&run->done[s]));
		}
		if (st != RS_DONE && st != RS_START && st != RS_WINDOW) /* a window may be being planned */
			print_op(log, run, i, done);
		fputc('\n', log);
	}
	fflush(log);
	_exit(3);
}

void rp_monitor(struct rp_run *run, bool show, double watchdog_s, FILE *log)
{
	uint64_t total = run->plan->ops, last = 0, start = now_ns(), moved = start;
	uint64_t next_progress = start + PROGRESS_NS;
	long poll = POLL_MIN_NS;
	bool pacing, all_done, shown = false;
	double limit = watchdog_s > 0 ? watchdog_s : 30.0;
	uint64_t limit_ns = (uint64_t)(limit * 1e9);
	struct watch *w = calloc(run->plan->nthreads, sizeof(*w));
	for (unsigned i = 0; w && i < run->plan->nthreads; i++)
		w[i].since = start;
	for (;;) {
		uint64_t n = progress(run, &pacing, &all_done), now = now_ns();
		if (all_done)
			break;
		if (n != last || pacing)
			moved = now;
		last = n;
		if (now - moved >= limit_ns)
			fire(run, limit, "no thread made progress", log);
		if (w && longest_call(run, w, now) >= limit_ns)
			fire(run, limit, "a thread has been in one engine call", log);
		if (show && now >= next_progress) {
			double secs = (double)(now - start) / 1e9, rate = (double)n / secs;
			fprintf(log, "\r\033[Kreplaying: %llu of %llu ops (%.0f%%), %.2f M ops/s, ETA %.0f s",
				(unsigned long long)n, (unsigned long long)total,
				total ? 100.0 * (double)n / (double)total : 100.0, rate / 1e6,
				rate > 0 ? (double)(total - n) / rate : 0.0);
			fflush(log);
			next_progress = now + PROGRESS_NS;
			shown = true;
		}
		nanosleep(&(struct timespec){0, poll}, NULL);
		poll = poll * 2 < POLL_MAX_NS ? poll * 2 : POLL_MAX_NS;
	}
	free(w);
	if (shown)
		fprintf(log, "\r\033[K");
}

/* NOW plus NS as an absolute CLOCK_MONOTONIC time, for pthread_cond_timedwait. */
static struct timespec after_ns(uint64_t now, uint64_t ns)
{
	uint64_t t = now + ns;
	return (struct timespec){(time_t)(t / 1000000000ull), (long)(t % 1000000000ull)};
}

/*
 * Look every GUARD_LOOK_NS, timed on the monotonic clock; the run's end
 * wakes it at once (rp_guard_stop), so that a run does not last up to a
 * whole look longer than its work.
 */
#define GUARD_LOOK_NS (100 * 1000 * 1000ull)

static void *guard_main(void *arg)
{
	struct rp_guard *g = arg;
	const char *last = NULL;
	uint64_t since = now_ns();
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		const char *ph = atomic_load(&g->run->phase);
		uint64_t now = now_ns();
		if (ph != last) {
			last = ph;
			since = now;
		}
		/* The replay has its own watchdog; a finished run (NULL) has nothing to watch. */
		if (ph && strcmp(ph, RP_PHASE_REPLAY) != 0 && (double)(now - since) / 1e9 >= g->limit_s) {
			fprintf(g->log, "\nmmreplay replay: watchdog: engine %s has been %s for %g s; aborting\n",
				g->run->o->engine->name, ph, g->limit_s);
			fflush(g->log);
			_exit(3);
		}
		struct timespec until = after_ns(now, GUARD_LOOK_NS);
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int rp_guard_start(struct rp_guard *g, struct rp_run *run, double watchdog_s, FILE *log)
{
	pthread_condattr_t attr;
	g->run = run;
	g->limit_s = watchdog_s > 0 ? watchdog_s : 30.0;
	g->log = log;
	g->stop = false;
	g->started = false;
	if (pthread_condattr_init(&attr))
		return -1;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	bool cond = pthread_cond_init(&g->wake, &attr) == 0;
	pthread_condattr_destroy(&attr);
	if (!cond)
		return -1;
	pthread_mutex_init(&g->lock, NULL);
	g->started = pthread_create(&g->th, NULL, guard_main, g) == 0;
	if (!g->started) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
	}
	return g->started ? 0 : -1;
}

void rp_guard_stop(struct rp_guard *g)
{
	if (!g->started)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->th, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	g->started = false;
}
