/* SPDX-License-Identifier: MIT */
/*
 * monitor.c - while the replay threads run: a progress line on a terminal,
 * and the watchdog that makes sure a replay never hangs.
 *
 * A thread that waits forever (an engine that deadlocks, a dependency that
 * cannot be met) shows as no progress from any thread.  Threads sleeping
 * to honour the trace's timing (--pace original) are not stuck, so they
 * keep the watchdog quiet.  When it fires, the report names each thread,
 * what it was doing and, for a thread waiting on another's op, the slot
 * and how far that slot has got; then the process exits with status 3,
 * since a thread stuck inside an engine cannot be taken back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "run_internal.h"

#define TICK_NS (100 * 1000 * 1000L)
#define PROGRESS_EVERY 5 /* ticks */

static const char *const state_names[] = {
	[RS_START] = "starting", [RS_RUN] = "replaying", [RS_WAIT] = "waiting for another thread",
	[RS_ENGINE] = "in the engine", [RS_PACE] = "pacing", [RS_DONE] = "done",
};

/* Ops done by all threads; *PACING when any sleeps on the trace's timing; *ALL_DONE. */
static uint64_t progress(struct rp_run *run, bool *pacing, bool *all_done)
{
	uint64_t n = 0;
	*pacing = false;
	*all_done = true;
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		unsigned st = atomic_load_explicit(&t->state, memory_order_acquire);
		n += atomic_load_explicit(&t->done, memory_order_relaxed);
		*pacing |= st == RS_PACE;
		*all_done &= st == RS_DONE;
	}
	return n;
}

static _Noreturn void fire(struct rp_run *run, double secs, FILE *log)
{
	fprintf(log, "\nmmreplay replay: watchdog: no thread made progress for %.0f s; aborting\n", secs);
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		unsigned st = atomic_load(&t->state), op = atomic_load(&t->cur_op);
		uint64_t done = atomic_load(&t->done);
		fprintf(log, "  thread %u: %s, %llu of %zu ops done", i,
			st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?",
			(unsigned long long)done, run->plan->streams[i].n);
		if (st == RS_WAIT) {
			unsigned s = atomic_load(&t->wait_slot), seq = atomic_load(&t->wait_seq);
			fprintf(log, ": slot %u needs %u ops done, has %u", s, seq, atomic_load(&run->done[s]));
		} else if (st != RS_DONE && done < run->plan->streams[i].n) {
			fprintf(log, ": last op %s", mmr_op_name(op) ? mmr_op_name(op) : "?");
		}
		fputc('\n', log);
	}
	fflush(log);
	_exit(3);
}

void rp_monitor(struct rp_run *run, bool show, double watchdog_s, FILE *log)
{
	uint64_t total = run->plan->ops, last = 0;
	unsigned ticks = 0, still = 0;
	bool pacing, all_done;
	double limit = watchdog_s > 0 ? watchdog_s : 30.0;
	for (;;) {
		uint64_t n = progress(run, &pacing, &all_done);
		if (all_done)
			break;
		still = n != last || pacing ? 0 : still + 1;
		last = n;
		if ((double)still * TICK_NS / 1e9 >= limit)
			fire(run, limit, log);
		if (show && ++ticks % PROGRESS_EVERY == 0) {
			double secs = ticks * (TICK_NS / 1e9), rate = (double)n / secs;
			fprintf(log, "\r\033[Kreplaying: %llu of %llu ops (%.0f%%), %.2f M ops/s, ETA %.0f s",
				(unsigned long long)n, (unsigned long long)total,
				total ? 100.0 * (double)n / (double)total : 100.0, rate / 1e6,
				rate > 0 ? (double)(total - n) / rate : 0.0);
			fflush(log);
		}
		nanosleep(&(struct timespec){0, TICK_NS}, NULL);
	}
	if (show && ticks >= PROGRESS_EVERY)
		fprintf(log, "\r\033[K");
}
