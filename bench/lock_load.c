/* SPDX-License-Identifier: MIT */
/*
 * lock_load.c - loads that make the kernel's allocator locks contend on a
 * small machine, so a capture holds the kernel's own lock waits
 * (lock:contention_begin/end) for `mmreplay validate` to set beside a
 * model's.  No kernel module: every load is a plain system call.
 *
 *   lock_load MODE SECONDS [WORKERS]
 *
 * WORKERS defaults to the online CPUs; worker i is a process of its own
 * (threads would share one mm and contend on its mmap_lock instead),
 * pinned to CPU i % CPUs, because a lock contends only when two CPUs want
 * it at once.
 *
 *   pages    mmap a region with MAP_POPULATE, munmap it, again.  Order-0
 *            pages in bulk: the per-CPU lists overflow and run dry, so
 *            rmqueue_bulk and free_pcppages_bulk take zone->lock.
 *   threads  bursts of short-lived threads, all alive at once.  Each clone
 *            needs a kernel stack; the kernel caches two per CPU
 *            (NR_CACHED_STACKS, kernel/fork.c), so a burst larger than that
 *            vmallocs stacks and vfrees them (free_vmap_area_lock, the vmap
 *            nodes' busy and lazy locks, the purge).
 *   bpf      attach a classic BPF socket filter and detach it, again.  Each
 *            attach makes a BPF program, whose image is vmalloc'ed
 *            (bpf_prog_alloc, kernel/bpf/core.c) and JIT'ed into a shared
 *            bpf_prog_pack (pack_mutex, text_mutex); its percpu stats take
 *            pcpu_alloc_mutex.  Unprivileged, module-free vmalloc traffic.
 *   slab     each worker writes small messages into a UNIX socket that the
 *            next CPU's thread reads: the skbs are kmalloc'ed on one CPU and
 *            freed on another, so frees miss the per-CPU slab and go through
 *            __slab_free, and both CPUs refill and drain partial slabs under
 *            the node's n->list_lock.
 *
 * Prints the operations made and their rate.  What each one contends on
 * the project machine, by caller, is in bench/VALIDATE_LOADS.md: there the
 * kernel traced no spinlock wait at all (only mutexes, rwsems, rwlocks).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* pages: 256 MiB a round is 65536 pages, far above what a per-CPU list
 * holds (its high mark, 4476 pages on this machine's Normal zone, "high:"
 * in /proc/zoneinfo), so most pages go through zone->lock both ways; with
 * 16 MiB rounds they stayed on the per-CPU lists (0.5% through the zone,
 * measured with kmem:mm_page_alloc_zone_locked). */
#define PAGES_BYTES (256u << 20)
/* threads: 256 alive at once is far above the 2 cached stacks a CPU keeps. */
#define BURST 256
/* slab: a 256-byte message is one skb (skbuff_head_cache and a kmalloc'ed
 * data buffer); the default send buffer (net.core.wmem_default, 212992
 * bytes here) keeps a few hundred in flight between the two CPUs. */
#define MSG_BYTES 256

static double seconds;
static int ncpu, nworkers;
static int socks[64][2];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int i)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(i % ncpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static uint64_t pages(int i)
{
	(void)i;
	uint64_t n = 0, end = now_ns() + (uint64_t)(seconds * 1e9);
	while (now_ns() < end) {
		char *p = mmap(NULL, PAGES_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			break;
		munmap(p, PAGES_BYTES);
		n++;
	}
	return n;
}

static void *idle(void *arg)
{
	atomic_int *go = arg;
	while (!atomic_load(go))
		sched_yield();
	return NULL;
}

static uint64_t threads(int i)
{
	(void)i;
	uint64_t n = 0, end = now_ns() + (uint64_t)(seconds * 1e9);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 << 10); /* the user stack is not the point */
	while (now_ns() < end) {
		atomic_int go = 0;
		pthread_t t[BURST];
		int k = 0;
		for (; k < BURST; k++)
			if (pthread_create(&t[k], &a, idle, &go))
				break;
		atomic_store(&go, 1);
		for (int j = 0; j < k; j++)
			pthread_join(t[j], NULL);
		n += (uint64_t)k;
	}
	return n;
}

static uint64_t bpf(int i)
{
	(void)i;
	/* the smallest program: accept everything */
	struct sock_filter code[] = {{BPF_RET | BPF_K, 0, 0, 0xffff}};
	struct sock_fprog prog = {1, code};
	int s = socket(AF_INET, SOCK_DGRAM, 0), dummy = 0;
	uint64_t n = 0, end = now_ns() + (uint64_t)(seconds * 1e9);
	while (s >= 0 && now_ns() < end) {
		if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
			break;
		setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy));
		n++;
	}
	if (s >= 0)
		close(s);
	return n;
}

static void *reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	pin(i + 1);
	char buf[MSG_BYTES];
	while (read(socks[i][1], buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static uint64_t slab(int i)
{
	pthread_t r;
	pthread_create(&r, NULL, reader, (void *)(intptr_t)i);
	char buf[MSG_BYTES];
	memset(buf, 'x', sizeof(buf));
	uint64_t n = 0, end = now_ns() + (uint64_t)(seconds * 1e9);
	while (now_ns() < end)
		for (int k = 0; k < 64; k++, n++)
			if (write(socks[i][0], buf, sizeof(buf)) < 0)
				goto out;
out:
	close(socks[i][0]);
	pthread_join(r, NULL);
	close(socks[i][1]);
	return n;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t (*fn)(int);
		const char *unit;
	} modes[] = {{"pages", pages, "rounds of 256 MiB"},
		     {"threads", threads, "threads"},
		     {"bpf", bpf, "filters"},
		     {"slab", slab, "messages"}};
	if (argc < 3) {
		fprintf(stderr, "usage: lock_load pages|threads|bpf|slab SECONDS [WORKERS]\n");
		return 2;
	}
	int m = -1;
	for (int k = 0; k < 4; k++)
		if (!strcmp(argv[1], modes[k].name))
			m = k;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	seconds = atof(argv[2]);
	nworkers = argc > 3 ? atoi(argv[3]) : ncpu;
	if (m < 0 || seconds <= 0 || nworkers < 1 || nworkers > 64 || ncpu < 1) {
		fprintf(stderr, "lock_load: bad arguments\n");
		return 2;
	}
	for (int i = 0; m == 3 && i < nworkers; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, socks[i])) {
			perror("lock_load: socketpair");
			return 1;
		}
	/* each worker's count, written by the child, read after it exits */
	uint64_t *count = mmap(NULL, 64 * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED) {
		perror("lock_load: mmap");
		return 1;
	}
	for (int i = 0; i < nworkers; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("lock_load: fork");
			return 1;
		}
		if (pid == 0) {
			/* the reader sees end of file only when every writer end is closed */
			for (int k = 0; m == 3 && k < nworkers; k++)
				if (k != i)
					close(socks[k][0]), close(socks[k][1]);
			pin(i);
			count[i] = modes[m].fn(i);
			_exit(0);
		}
	}
	for (int i = 0; m == 3 && i < nworkers; i++)
		close(socks[i][0]), close(socks[i][1]);
	while (wait(NULL) > 0)
		;
	uint64_t n = 0;
	for (int i = 0; i < nworkers; i++)
		n += count[i];
	printf("%s: %llu %s, %.0f/s\n", modes[m].name, (unsigned long long)n, modes[m].unit,
	       (double)n / seconds);
	return 0;
}
