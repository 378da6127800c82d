/* SPDX-License-Identifier: MIT */
/*
 * preempt.c - whether a lock's holder was preempted while it held it.
 *
 * A kernel spinlock's holder runs with preemption off, so its hold time is
 * the critical section's.  A replay thread holding one of our spinlocks
 * can lose its CPU to any runnable task, and the hold (and everyone
 * waiting behind it) then grows by a scheduler's time slice: a tail that
 * belongs to the scheduler, not to the design.  Such holds must be told
 * apart, exactly and cheaply enough to check every hold.
 *
 * getrusage(RUSAGE_THREAD)'s involuntary switch count is exact but costs
 * a system call (1.3 us here) twice per hold.  The kernel offers a
 * cheaper signal: perf_event_open(2) on the thread itself with
 * context_switch set appends a PERF_RECORD_SWITCH record to a ring the
 * thread maps, at every switch, marked SWITCH_OUT_PREEMPT when the thread
 * was still runnable as it left the CPU (preempted, or yielded) and not
 * when it blocked.  Both counts are kept: a spinning lock's holder must
 * not leave its CPU at all, a sleeping lock's may block but not be
 * preempted (lock_hold_left_cpu).  So a hold is checked by comparing the
 * ring's head at acquisition and release: one load of a line the kernel
 * writes only when the thread switches.  The records are read only when
 * the head moved.
 *
 * A waiter's sched_yield() also leaves it runnable, and is marked the
 * same: a yield that switched let another task run while the waiter
 * waited, which a kernel spinner never does (a yield with nothing else to
 * run switches nothing and writes no record).  A wait marked so marks
 * the holds of its thread around it too (lock_wait_end), and so, through
 * them, the waits behind those: a chain of holds behind one preempted
 * holder is marked along its length.
 * Unprivileged use is allowed (the stream covers only the thread's own
 * switches, which perf_event_paranoid 2 permits); a kernel that refuses
 * leaves watching off with its reason.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lock_internal.h"

/*
 * Data pages per thread.  A switch record is 8 bytes, so 2 pages hold
 * 1024 switches.  The ring is read at every acquisition, so only switches
 * within one hold or wait can overflow it, far fewer than that.  A ring
 * that overflows anyway says so (PERF_RECORD_LOST), and that counts as a
 * preemption: unknown is not "not preempted".  The pages are locked
 * memory charged to the user (perf_event_mlock_kb, RLIMIT_MEMLOCK), so
 * they are kept few: 12 KiB a thread with the header page.
 */
#define PWATCH_DATA_PAGES 2u

atomic_bool mmr_lock_pwatch_on = false;
static atomic_uint_fast64_t unwatched;

/* Open a context-switch stream on the calling thread.  Returns its fd, or -1 (errno). */
static int pwatch_fd(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY; /* no samples: only the switch records */
	a.context_switch = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The calling thread's stream and ring in P.  Returns 0, or an errno. */
static int pwatch_map(struct lock_pwatch *p)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = pwatch_fd();
	if (fd < 0)
		return errno;
	size_t len = (size_t)page * (PWATCH_DATA_PAGES + 1);
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int err = errno;
		close(fd);
		return err;
	}
	p->fd = fd;
	p->meta = m;
	p->data = (const unsigned char *)m + page;
	p->mask = (uint64_t)page * PWATCH_DATA_PAGES - 1;
	p->tail = p->meta->data_tail;
	p->preempts = 0;
	p->switches = 0;
	return 0;
}

static void pwatch_unmap(struct lock_pwatch *p)
{
	munmap((void *)p->meta, (size_t)(p->mask + 1) + (size_t)sysconf(_SC_PAGESIZE));
	close(p->fd);
}

/** Watch holders for preemption (see mmr_lock.h). */
int mmr_lock_set_preempt_watch(bool on, char *why, size_t len)
{
	if (on) {
		struct lock_pwatch probe;
		int err = pwatch_map(&probe);
		if (err) {
			snprintf(why, len, "perf_event_open of the thread's context switches: %s%s", strerror(err),
				 err == EACCES || err == EPERM ? " (kernel.perf_event_paranoid)" : "");
			atomic_store(&mmr_lock_pwatch_on, false);
			return -1;
		}
		pwatch_unmap(&probe);
	}
	atomic_store(&mmr_lock_pwatch_on, on);
	return 0;
}

/** Threads that could not be watched (see mmr_lock.h). */
uint64_t mmr_lock_preempt_unwatched(void)
{
	return atomic_load(&unwatched);
}

void mmr_lock_pwatch_open(struct lock_thread *t)
{
	if (!atomic_load_explicit(&mmr_lock_pwatch_on, memory_order_relaxed))
		return;
	struct lock_pwatch *p = malloc(sizeof(*p));
	if (p && pwatch_map(p) == 0) {
		t->pw = p;
		return;
	}
	free(p);
	atomic_fetch_add(&unwatched, 1);
}

void mmr_lock_pwatch_close(struct lock_thread *t)
{
	if (!t->pw)
		return;
	pwatch_unmap(t->pw);
	free(t->pw);
	t->pw = NULL;
}

void mmr_lock_pwatch_read(struct lock_pwatch *p, uint64_t head)
{
	/* Records are 8-byte aligned and the ring a power of two: a header never wraps. */
	for (uint64_t at = p->tail; at < head;) {
		const struct perf_event_header *h = (const void *)(p->data + (at & p->mask));
		if (h->size == 0)
			break; /* never written so; stop rather than loop */
		if (h->type == PERF_RECORD_LOST) {
			p->preempts++;
			p->switches++;
		} else if (h->type == PERF_RECORD_SWITCH && (h->misc & PERF_RECORD_MISC_SWITCH_OUT)) {
			p->switches++;
			p->preempts += (h->misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) != 0;
		}
		at += h->size;
	}
	p->tail = head;
	/* The records are read: the kernel may write over them. */
	__atomic_store_n(&p->meta->data_tail, head, __ATOMIC_RELEASE);
}
