/* SPDX-License-Identifier: MIT */
/*
 * threads.c - the measurements that need a second thread: a TLB
 * shootdown (mprotect of a page while a thread of the process runs on the
 * other CPU, so the kernel must interrupt it to flush its TLB),
 * a cache line's transfer (two threads on two CPUs taking turns writing
 * one word), and futex ping-pong: the wake call itself, a wake-up on the
 * other CPU, and a context switch between two threads on one CPU.
 *
 * The partner thread is pinned to the other CPU (or the same one for the
 * context switch); where the machine has one CPU online the cross-CPU
 * measurements are not taken and say why.
 */

#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cal_internal.h"

/* A partner thread and what it does until told to stop. */
enum job { JOB_RUN, JOB_SPIN_PONG, JOB_FUTEX_PONG, JOB_FUTEX_WAIT };

struct partner {
	pthread_t th;
	enum job job;
	int cpu;
	uint8_t *page;
	atomic_uint turn;   /* ping-pong: odd, the partner's turn; even, ours */
	atomic_uint word;   /* futex word of the wait job */
	atomic_uint waiting;
	atomic_bool stop;
	unsigned rounds;
};

static long futex(atomic_uint *addr, int op, unsigned val)
{
	return syscall(SYS_futex, (unsigned *)addr, op, val, NULL, NULL, 0);
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Wait until *TURN is odd (the partner's turn), with a futex or spinning. */
static void wait_odd(struct partner *p, bool use_futex)
{
	unsigned v;
	while (!((v = atomic_load_explicit(&p->turn, memory_order_acquire)) & 1) && !atomic_load(&p->stop))
		if (use_futex)
			futex(&p->turn, FUTEX_WAIT_PRIVATE, v);
}

static void *partner_main(void *arg)
{
	struct partner *p = arg;
	pin(p->cpu);
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		switch (p->job) {
		case JOB_RUN:
			break; /* running in the process's address space is what puts this CPU on its flush list */
		case JOB_SPIN_PONG:
		case JOB_FUTEX_PONG:
			wait_odd(p, p->job == JOB_FUTEX_PONG);
			atomic_fetch_add_explicit(&p->turn, 1, memory_order_release);
			if (p->job == JOB_FUTEX_PONG)
				futex(&p->turn, FUTEX_WAKE_PRIVATE, 1);
			break;
		case JOB_FUTEX_WAIT:
			atomic_store(&p->waiting, 1);
			futex(&p->word, FUTEX_WAIT_PRIVATE, 0);
			atomic_store(&p->waiting, 0);
			break;
		}
	}
	return NULL;
}

static int partner_start(struct partner *p, enum job job, int cpu, struct mmr_error *err)
{
	p->job = job;
	p->cpu = cpu;
	atomic_init(&p->turn, 0);
	atomic_init(&p->word, 0);
	atomic_init(&p->waiting, 0);
	atomic_init(&p->stop, false);
	int rc = pthread_create(&p->th, NULL, partner_main, p);
	if (rc)
		snprintf(err->msg, sizeof(err->msg), "calibrate: cannot start a thread: %s", strerror(rc));
	return rc ? -1 : 0;
}

static void partner_stop(struct partner *p)
{
	atomic_store(&p->stop, true);
	atomic_fetch_add(&p->turn, 1);
	futex(&p->turn, FUTEX_WAKE_PRIVATE, 1);
	atomic_store(&p->word, 1);
	futex(&p->word, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(p->th, NULL);
}

/* One mprotect taking write access away from a written page while the partner runs on the other CPU. */
static double sample_shootdown(void *ctx)
{
	struct partner *p = ctx;
	uint8_t *page = p->page;
	double best = INFINITY;
	/* The fastest of a few: the others met the partner preempted or the clock between. */
	for (unsigned i = 0; i < 16; i++) {
		mprotect(page, CAL_PAGE, PROT_READ | PROT_WRITE);
		page[0] = (uint8_t)i; /* writable and dirty again: the next mprotect has an entry to change */
		uint64_t t0 = cal_now_ns();
		mprotect(page, CAL_PAGE, PROT_READ);
		best = fmin(best, (double)(cal_now_ns() - t0));
	}
	return best;
}

/* ROUNDS turns each way; the time of one hand-over (half a round trip). */
static double sample_pong(void *ctx)
{
	struct partner *p = ctx;
	bool use_futex = p->job == JOB_FUTEX_PONG;
	uint64_t t0 = cal_now_ns();
	for (unsigned i = 0; i < p->rounds; i++) {
		atomic_fetch_add_explicit(&p->turn, 1, memory_order_release); /* odd: the partner's turn */
		if (use_futex)
			futex(&p->turn, FUTEX_WAKE_PRIVATE, 1);
		unsigned v;
		while ((v = atomic_load_explicit(&p->turn, memory_order_acquire)) & 1)
			if (use_futex)
				futex(&p->turn, FUTEX_WAIT_PRIVATE, v);
	}
	return (double)(cal_now_ns() - t0) / (2.0 * p->rounds);
}

/* The FUTEX_WAKE call that finds the partner asleep, on the waker's side. */
static double sample_wake(void *ctx)
{
	struct partner *p = ctx;
	double best = INFINITY;
	for (unsigned i = 0, woke = 0; i < 200 && woke < 8; i++) {
		while (!atomic_load(&p->waiting))
			sched_yield();
		usleep(50); /* let it reach the kernel's wait */
		atomic_store(&p->word, 1);
		uint64_t t0 = cal_now_ns();
		long n = futex(&p->word, FUTEX_WAKE_PRIVATE, 1);
		uint64_t t1 = cal_now_ns();
		while (atomic_load(&p->waiting))
			sched_yield();
		atomic_store(&p->word, 0);
		if (n == 1) {
			best = fmin(best, (double)(t1 - t0));
			woke++;
		}
	}
	return isfinite(best) ? best : NAN;
}

/* Measure SAMPLE against a partner doing JOB on CPU into *V.  Returns 0, or -1 with ERR. */
static int with_partner(enum job job, int cpu, mmr_cal_sample_fn sample, struct partner *p, bool quick,
			struct mmr_cal_value *v, struct mmr_error *err)
{
	if (partner_start(p, job, cpu, err))
		return -1;
	mmr_cal_measure(sample, p, quick ? 3 : 9, quick ? 2 : 4, v);
	partner_stop(p);
	return 0;
}

int cal_threads(struct mmr_profile *prof, bool quick, struct mmr_error *err)
{
	struct partner p = {.rounds = quick ? 2000 : 20000};
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	uint8_t *page = mmap(NULL, CAL_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc = 0;
	if (page == MAP_FAILED) {
		snprintf(err->msg, sizeof(err->msg), "calibrate: cannot map a page: %s", strerror(errno));
		return -1;
	}
	cpu_set_t was;
	pthread_getaffinity_np(pthread_self(), sizeof(was), &was);
	page[0] = 1;
	p.page = page;
	pin(0);
	if (online >= 2) {
		rc = with_partner(JOB_RUN, 1, sample_shootdown, &p, quick, &prof->v[MMR_CAL_TLB_SHOOTDOWN], err);
		rc = rc ? rc : with_partner(JOB_SPIN_PONG, 1, sample_pong, &p, quick, &prof->v[MMR_CAL_CACHELINE], err);
		rc = rc ? rc : with_partner(JOB_FUTEX_PONG, 1, sample_pong, &p, quick, &prof->v[MMR_CAL_WAKEUP], err);
	} else {
		static const unsigned cross[] = {MMR_CAL_TLB_SHOOTDOWN, MMR_CAL_CACHELINE, MMR_CAL_WAKEUP};
		for (size_t i = 0; i < 3; i++) {
			prof->v[cross[i]].ns = NAN;
			snprintf(prof->v[cross[i]].why, sizeof(prof->v[0].why), "needs 2 CPUs online, this machine has 1");
		}
	}
	rc = rc ? rc : with_partner(JOB_FUTEX_WAIT, online >= 2 ? 1 : 0, sample_wake, &p, quick,
				    &prof->v[MMR_CAL_FUTEX_WAKE], err);
	rc = rc ? rc : with_partner(JOB_FUTEX_PONG, 0, sample_pong, &p, quick, &prof->v[MMR_CAL_CTX_SWITCH], err);
	/* Back to the CPUs it had: the caller's later work is not ours to pin. */
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	munmap(page, CAL_PAGE);
	return rc;
}
