/* SPDX-License-Identifier: MIT */
/*
 * measure.c - the measurements of `mmreplay calibrate`, each with the
 * real thing the engines' busy-waits stand for: memcpy of pages that are
 * not in cache, mmap and munmap of resident pages (MAP_POPULATE of a
 * memfd: page-table entries set and cleared, no page zeroed), mprotect of
 * a page another CPU keeps using (its TLB must be shot down), and futex
 * ping-pong between threads on two CPUs or on one.
 *
 * Each is taken in two rounds of several samples; a round's figure is
 * its median, so one preempted sample does not move it, and the two
 * rounds must agree within MMR_CAL_TOLERANCE_PCT, else the measurement
 * is taken again (and, if it never agrees, kept and marked so).
 */

#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cal_internal.h"

volatile uint8_t cal_sink;

uint64_t cal_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of the finite values of V (N of them, reordered); NAN when none. */
static double median(double *v, unsigned n)
{
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[m++] = v[i];
	if (!m)
		return NAN;
	qsort(v, m, sizeof(*v), by_value);
	return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

bool mmr_cal_measure(mmr_cal_sample_fn sample, void *ctx, unsigned samples, unsigned tries, struct mmr_cal_value *v)
{
	double buf[64];
	samples = samples < 1 ? 1 : samples > 64 ? 64 : samples;
	for (unsigned t = 0; t < (tries ? tries : 1); t++) {
		for (unsigned r = 0; r < 2; r++) {
			for (unsigned i = 0; i < samples; i++)
				buf[i] = sample(ctx);
			v->rounds[r] = median(buf, samples);
		}
		double lo = fmin(v->rounds[0], v->rounds[1]), hi = fmax(v->rounds[0], v->rounds[1]);
		v->ns = (v->rounds[0] + v->rounds[1]) / 2;
		v->spread_pct = lo > 0 ? (hi - lo) / lo * 100 : NAN;
		v->repeatable = isfinite(v->spread_pct) && v->spread_pct <= MMR_CAL_TOLERANCE_PCT;
		if (!isfinite(v->ns) || v->repeatable)
			break;
	}
	return v->repeatable;
}

/* ---- pages: copy, map, unmap ---------------------------------------------- */

struct pages {
	size_t npages;
	uint8_t *src, *dst; /* page copy: NPAGES each, touched */
	int fd;             /* mapping: a memfd of NPAGES resident pages */
	double unmap_ns;    /* the teardown per page of the last map sample */
};

static double sample_copy(void *ctx)
{
	struct pages *p = ctx;
	uint64_t t0 = cal_now_ns();
	for (size_t i = 0; i < p->npages; i++)
		memcpy(p->dst + i * CAL_PAGE, p->src + i * CAL_PAGE, CAL_PAGE);
	uint64_t t1 = cal_now_ns();
	/* Read one byte back, so the copies cannot be dropped as dead stores. */
	cal_sink = p->dst[(t1 % p->npages) * CAL_PAGE];
	return (double)(t1 - t0) / (double)p->npages;
}

/* Map the memfd's resident pages (their entries set up front), then unmap them. */
static double sample_map(void *ctx)
{
	struct pages *p = ctx;
	size_t len = p->npages * CAL_PAGE;
	uint64_t t0 = cal_now_ns();
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, p->fd, 0);
	uint64_t t1 = cal_now_ns();
	if (m == MAP_FAILED)
		return NAN;
	munmap(m, len);
	uint64_t t2 = cal_now_ns();
	p->unmap_ns = (double)(t2 - t1) / (double)p->npages;
	return (double)(t1 - t0) / (double)p->npages;
}

static double sample_unmap(void *ctx)
{
	struct pages *p = ctx;
	return isfinite(sample_map(ctx)) ? p->unmap_ns : NAN;
}

/* The buffers and the memfd of P.  Returns 0, or -1 with ERR. */
static int pages_init(struct pages *p, bool quick, struct mmr_error *err)
{
	p->npages = quick ? 4096 : 32768; /* 16 or 128 MiB a buffer: past most last-level caches */
	size_t len = p->npages * CAL_PAGE;
	p->fd = -1;
	p->src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	p->dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->src == MAP_FAILED || p->dst == MAP_FAILED) {
		snprintf(err->msg, sizeof(err->msg), "calibrate: cannot map 2 x %zu MiB: %s", len >> 20, strerror(errno));
		return -1;
	}
	memset(p->src, 0x5a, len);
	memset(p->dst, 0xa5, len);
	p->fd = (int)syscall(SYS_memfd_create, "mmreplay-calibrate", 0);
	if (p->fd < 0 || ftruncate(p->fd, (off_t)len) != 0) {
		snprintf(err->msg, sizeof(err->msg), "calibrate: memfd of %zu MiB: %s", len >> 20, strerror(errno));
		return -1;
	}
	/* Make its pages resident once, so that mapping them only sets up entries. */
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (m == MAP_FAILED) {
		snprintf(err->msg, sizeof(err->msg), "calibrate: cannot map the memfd: %s", strerror(errno));
		return -1;
	}
	memset(m, 1, len);
	munmap(m, len);
	return 0;
}

static void pages_free(struct pages *p)
{
	size_t len = p->npages * CAL_PAGE;
	if (p->src && p->src != MAP_FAILED)
		munmap(p->src, len);
	if (p->dst && p->dst != MAP_FAILED)
		munmap(p->dst, len);
	if (p->fd >= 0)
		close(p->fd);
}

int cal_pages(struct mmr_profile *p, bool quick, struct mmr_error *err)
{
	struct pages pg = {0};
	unsigned samples = quick ? 3 : 9, tries = quick ? 2 : 4;
	int rc = pages_init(&pg, quick, err);
	if (!rc) {
		mmr_cal_measure(sample_copy, &pg, samples, tries, &p->v[MMR_CAL_PAGE_COPY]);
		mmr_cal_measure(sample_map, &pg, samples, tries, &p->v[MMR_CAL_PTE_MAP]);
		mmr_cal_measure(sample_unmap, &pg, samples, tries, &p->v[MMR_CAL_PTE_UNMAP]);
	}
	pages_free(&pg);
	return rc;
}
