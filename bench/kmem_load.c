/* SPDX-License-Identifier: MIT */
/*
 * kmem_load.c - a steady, paced stream of kernel slab allocations and
 * frees, for measuring how fast a capture can keep up.
 *
 *   kmem_load SECONDS CALLS_PER_SECOND [THREADS]
 *
 * Each call opens and closes /dev/null, which allocates and frees a few
 * slab objects (the struct file and its security blob, the path lookup's
 * name buffer).  Calls are paced in 1 ms slices so the rate is even rather
 * than bursty; 0 calls per second means as fast as possible.  Prints the
 * calls actually made and the rate reached.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct load {
	double seconds;
	uint64_t per_ms; /* calls per 1 ms slice, per thread; 0: unpaced */
	uint64_t calls;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *run(void *arg)
{
	struct load *l = arg;
	uint64_t start = now_ns(), end = start + (uint64_t)(l->seconds * 1e9), slice = start;
	while (now_ns() < end) {
		uint64_t n = l->per_ms ? l->per_ms : 64;
		for (uint64_t i = 0; i < n; i++) {
			int fd = open("/dev/null", O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		l->calls += n;
		if (!l->per_ms)
			continue;
		slice += 1000000;
		uint64_t t = now_ns();
		if (slice > t)
			nanosleep(&(struct timespec){0, (long)(slice - t)}, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kmem_load SECONDS CALLS_PER_SECOND [THREADS]\n");
		return 2;
	}
	double seconds = atof(argv[1]);
	uint64_t rate = strtoull(argv[2], NULL, 10);
	int threads = argc > 3 ? atoi(argv[3]) : 1;
	if (seconds <= 0 || threads < 1 || threads > 64) {
		fprintf(stderr, "kmem_load: bad arguments\n");
		return 2;
	}
	struct load l[64];
	pthread_t t[64];
	for (int i = 0; i < threads; i++) {
		l[i] = (struct load){seconds, rate / (uint64_t)threads / 1000, 0};
		if (rate && l[i].per_ms == 0)
			l[i].per_ms = 1;
		pthread_create(&t[i], NULL, run, &l[i]);
	}
	uint64_t calls = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		calls += l[i].calls;
	}
	printf("calls %llu rate %.0f/s\n", (unsigned long long)calls, (double)calls / seconds);
	return 0;
}
