/* SPDX-License-Identifier: MIT */
/*
 * bench_lock.c - what the lock instrumentation costs.
 *
 *   bench_lock [--iters N] [--seconds S] [--threads T] [--repeat R] [--preempt-watch]
 *
 * Uncontended: N lock+unlock pairs on one thread, for every instrumented
 * kind with timing on and off, beside the raw primitives they stand for
 * (a bare exchange spinlock, pthread spinlock, pthread mutex default and
 * adaptive); the best of R runs, in ns per pair.
 *
 * Contended: T threads (default 2) each take one lock, increment a counter
 * and release, for S seconds; the CPUs the threads got (CPU time over
 * wall time), total pairs per second, and for the
 * instrumented locks the share of contended acquisitions and the median
 * and 99th percentile of their waits (a mean would be ruled by the odd
 * wait behind a preempted holder).  The counter's final value is checked against the pairs counted.
 *
 * --preempt-watch: every thread watches its holds for preemption, as in
 * a replay (mmr_lock_set_preempt_watch).
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmr_clock.h"
#include "mmr_lock_stats.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ---- the locks under test, behind one interface ---------------------------- */

struct subject {
	const char *name;
	bool instrumented;
	bool shared;     /* a read side: holders share, nothing to contend for */
	const char *cls; /* class name, for the contended report */
	void (*lock)(void);
	void (*unlock)(void);
};

static struct mmr_spinlock m_spin;
static struct mmr_mutex m_mutex;
static struct mmr_rwlock m_rw;
static atomic_ulong m_word;
static struct mmr_lock_class *m_bit_cls;
static atomic_uint raw_spin;
static pthread_spinlock_t p_spin;
static pthread_mutex_t p_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t p_adaptive;
static pthread_rwlock_t p_rw = PTHREAD_RWLOCK_INITIALIZER;

static void spin_l(void) { mmr_spin_lock(&m_spin); }
static void spin_u(void) { mmr_spin_unlock(&m_spin); }
static void mutex_l(void) { mmr_mutex_lock(&m_mutex); }
static void mutex_u(void) { mmr_mutex_unlock(&m_mutex); }
static void read_l(void) { mmr_read_lock(&m_rw); }
static void read_u(void) { mmr_read_unlock(&m_rw); }
static void write_l(void) { mmr_write_lock(&m_rw); }
static void write_u(void) { mmr_write_unlock(&m_rw); }
static void bit_l(void) { mmr_bit_lock(&m_word, 5, m_bit_cls); }
static void bit_u(void) { mmr_bit_unlock(&m_word, 5, m_bit_cls); }

/* The same exchange spinlock as mmr_spin_lock, with nothing counted or timed. */
static void raw_l(void)
{
	while (atomic_exchange_explicit(&raw_spin, 1, memory_order_acquire))
		while (atomic_load_explicit(&raw_spin, memory_order_relaxed))
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#else
			;
#endif
}
static void raw_u(void) { atomic_store_explicit(&raw_spin, 0, memory_order_release); }
static void pspin_l(void) { pthread_spin_lock(&p_spin); }
static void pspin_u(void) { pthread_spin_unlock(&p_spin); }
static void pmutex_l(void) { pthread_mutex_lock(&p_mutex); }
static void pmutex_u(void) { pthread_mutex_unlock(&p_mutex); }
static void padapt_l(void) { pthread_mutex_lock(&p_adaptive); }
static void padapt_u(void) { pthread_mutex_unlock(&p_adaptive); }
static void prd_l(void) { pthread_rwlock_rdlock(&p_rw); }
static void pwr_l(void) { pthread_rwlock_wrlock(&p_rw); }
static void prw_u(void) { pthread_rwlock_unlock(&p_rw); }

static const struct subject subjects[] = {
	{ "mmr spinlock", true, false, "bench.spin", spin_l, spin_u },
	{ "mmr mutex", true, false, "bench.mutex", mutex_l, mutex_u },
	{ "mmr rwlock read", true, true, "bench.rw", read_l, read_u },
	{ "mmr rwlock write", true, false, "bench.rw", write_l, write_u },
	{ "mmr bit spinlock", true, false, "bench.bit", bit_l, bit_u },
	{ "raw exchange spinlock", false, false, NULL, raw_l, raw_u },
	{ "pthread_spinlock", false, false, NULL, pspin_l, pspin_u },
	{ "pthread_mutex (default)", false, false, NULL, pmutex_l, pmutex_u },
	{ "pthread_mutex (adaptive)", false, false, NULL, padapt_l, padapt_u },
	{ "pthread_rwlock read", false, true, NULL, prd_l, prw_u },
	{ "pthread_rwlock write", false, false, NULL, pwr_l, prw_u },
};
enum { NSUBJECTS = sizeof(subjects) / sizeof(subjects[0]) };

static void setup_locks(void)
{
	if (mmr_spin_init(&m_spin, "bench.spin") || mmr_mutex_init(&m_mutex, "bench.mutex") ||
	    mmr_rwlock_init(&m_rw, "bench.rw") || !(m_bit_cls = mmr_lock_class_get("bench.bit", MMR_LOCK_BIT))) {
		fprintf(stderr, "bench_lock: cannot create the lock classes\n");
		exit(1);
	}
	pthread_spin_init(&p_spin, PTHREAD_PROCESS_PRIVATE);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&p_adaptive, &a);
	pthread_mutexattr_destroy(&a);
}

/* ---- uncontended ------------------------------------------------------------ */

/* Best of REPEAT runs of ITERS pairs, ns per pair. */
static double uncontended_ns(const struct subject *s, uint64_t iters, int repeat)
{
	double best = 1e30;
	for (int r = 0; r < repeat; r++) {
		uint64_t t0 = now_ns();
		for (uint64_t i = 0; i < iters; i++) {
			s->lock();
			s->unlock();
		}
		double ns = (double)(now_ns() - t0) / (double)iters;
		if (ns < best)
			best = ns;
	}
	return best;
}

static void run_uncontended(uint64_t iters, int repeat)
{
	printf("Uncontended lock+unlock, one thread, best of %d x %llu pairs (ns per pair)\n\n", repeat,
	       (unsigned long long)iters);
	printf("| lock | timing on | timing off |\n|---|---:|---:|\n");
	for (int i = 0; i < NSUBJECTS; i++) {
		const struct subject *s = &subjects[i];
		mmr_lock_set_timing(true);
		double on = uncontended_ns(s, iters, repeat);
		if (!s->instrumented) {
			printf("| %s | %.1f (not instrumented) | |\n", s->name, on);
			continue;
		}
		mmr_lock_set_timing(false);
		double off = uncontended_ns(s, iters, repeat);
		printf("| %s | %.1f | %.1f |\n", s->name, on, off);
	}
	mmr_lock_set_timing(true);
	printf("\n");
}

/* ---- contended -------------------------------------------------------------- */

struct contender {
	const struct subject *s;
	atomic_bool *stop;
	uint64_t pairs;
};

static uint64_t shared_counter; /* under the lock being measured */

static void *contender_main(void *arg)
{
	struct contender *c = arg;
	uint64_t n = 0;
	while (!atomic_load_explicit(c->stop, memory_order_relaxed)) {
		for (int i = 0; i < 64; i++) {
			c->s->lock();
			shared_counter++;
			c->s->unlock();
		}
		n += 64;
	}
	c->pairs = n;
	return NULL;
}

/* The statistics of class NAME (its exclusive side, or its readers' for READ). */
static struct mmr_lock_side side_of(const char *name, bool read)
{
	size_t n;
	struct mmr_lock_side out;
	memset(&out, 0, sizeof(out));
	struct mmr_lock_stats *all = mmr_lock_stats_collect(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0)
			out = all[i].side[read ? MMR_LOCK_READ : MMR_LOCK_EXCL];
	free(all);
	return out;
}

static void contended_row(const struct subject *s, bool timing, double seconds, int nthreads)
{
	struct contender c[64];
	pthread_t t[64];
	atomic_bool stop = false;
	mmr_lock_set_timing(timing);
	mmr_lock_stats_reset();
	shared_counter = 0;
	uint64_t t0 = now_ns(), cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < nthreads; i++) {
		c[i] = (struct contender){ .s = s, .stop = &stop };
		pthread_create(&t[i], NULL, contender_main, &c[i]);
	}
	struct timespec d = { .tv_sec = (time_t)seconds,
			      .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&d, NULL);
	atomic_store(&stop, true);
	uint64_t pairs = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		pairs += c[i].pairs;
	}
	double elapsed = (double)(now_ns() - t0) / 1e9;
	/* CPUs the threads really had: on a shared machine, fewer than the threads. */
	double cpus = (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e9 / elapsed;
	if (shared_counter != pairs)
		printf("| %s | COUNTER WRONG: %llu of %llu |\n", s->name, (unsigned long long)shared_counter,
		       (unsigned long long)pairs);
	printf("| %s | %s | %.2f | %.2f |", s->name, s->instrumented ? (timing ? "on" : "off") : "-", cpus,
	       (double)pairs / elapsed / 1e6);
	if (s->instrumented) {
		struct mmr_lock_side st = side_of(s->cls, false);
		printf(" %.1f%% |", st.acquisitions ? 100.0 * (double)st.contended / (double)st.acquisitions : 0);
		if (timing && st.contended)
			printf(" %llu | %llu |\n", (unsigned long long)mmr_hist_percentile(&st.wait, 50),
			       (unsigned long long)mmr_hist_percentile(&st.wait, 99));
		else
			printf(" - | - |\n");
	} else {
		printf(" - | - | - |\n");
	}
}

static void run_contended(double seconds, int nthreads)
{
	printf("Contended: %d threads, lock + counter++ + unlock for %.1f s each\n\n", nthreads, seconds);
	printf("| lock | timing | CPUs used | M pairs/s | contended | wait p50 ns | wait p99 ns |\n"
	       "|---|---|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < NSUBJECTS; i++) {
		const struct subject *s = &subjects[i];
		if (s->shared)
			continue;
		contended_row(s, true, seconds, nthreads);
		if (s->instrumented)
			contended_row(s, false, seconds, nthreads);
	}
	mmr_lock_set_timing(true);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint64_t iters = 10000000;
	double seconds = 1.0;
	int nthreads = 2, repeat = 5;
	bool watch = false;
	static const struct option opts[] = {
		{ "iters", required_argument, NULL, 'i' },   { "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' }, { "repeat", required_argument, NULL, 'r' },
		{ "preempt-watch", no_argument, NULL, 'w' }, { NULL, 0, NULL, 0 },
	};
	for (int o; (o = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		switch (o) {
		case 'i': iters = strtoull(optarg, NULL, 0); break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 't': nthreads = atoi(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'w': watch = true; break;
		default:
			fprintf(stderr, "usage: bench_lock [--iters N] [--seconds S] [--threads T] [--repeat R] "
				"[--preempt-watch]\n");
			return 2;
		}
	}
	if (iters == 0 || repeat < 1 || nthreads < 1 || nthreads > 64 || !(seconds > 0)) {
		fprintf(stderr, "bench_lock: bad argument\n");
		return 2;
	}
	char why[256];
	if (watch && mmr_lock_set_preempt_watch(true, why, sizeof(why))) {
		fprintf(stderr, "bench_lock: --preempt-watch: %s\n", why);
		return 1;
	}
	setup_locks();
	mmr_clock_init();
	printf("Timer: %s, one empty timed interval %.1f ns%s\n\n", mmr_clock_name(), mmr_clock_overhead_ns(),
	       watch ? "; holds watched for preemption" : "");
	run_uncontended(iters, repeat);
	run_contended(seconds, nthreads);
	return 0;
}
