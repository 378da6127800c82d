/* SPDX-License-Identifier: MIT */
/*
 * sim.c - the scheduler every generator runs on: a binary min-heap of
 * wake-ups ordered by (timestamp, sequence), the emit helper that writes
 * exactly cfg->ops events, and the naming of call sites and tasks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_internal.h"

/* Wake-ups that run without writing an event, in a row, before the run is
 * declared stuck.  Generators only pass while another actor owes events,
 * so a real run never comes near this. */
#define WL_STALL_LIMIT 50000000ull

static bool wake_before(const struct wl_wake *a, const struct wl_wake *b)
{
	return a->ts != b->ts ? a->ts < b->ts : a->seq < b->seq;
}

static void heap_up(struct wl_wake *h, size_t i)
{
	struct wl_wake x = h[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!wake_before(&x, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = x;
}

static void heap_down(struct wl_wake *h, size_t n, size_t i)
{
	struct wl_wake x = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && wake_before(&h[c + 1], &h[c]))
			c++;
		if (!wake_before(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static bool heap_pop(struct wl_sim *s, struct wl_wake *out)
{
	if (!s->nheap)
		return false;
	*out = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	if (s->nheap)
		heap_down(s->heap, s->nheap, 0);
	return true;
}

/* Report a failure of the run. */
int wl_fail(struct wl_sim *s, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(s->err->msg, sizeof(s->err->msg), "workload %s: ", s->wl->name);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(s->err->msg))
		vsnprintf(s->err->msg + n, sizeof(s->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Report running out of memory. */
int wl_oom(struct wl_sim *s)
{
	return wl_fail(s, "out of memory");
}

/* Validate CFG and set up an empty simulation. */
int wl_sim_init(struct wl_sim *s, const struct mmr_workload *wl,
		const struct mmr_workload_config *cfg, struct mmr_writer *w, struct mmr_error *err)
{
	*s = (struct wl_sim){.wl = wl, .w = w, .err = err};
	if (mmr_workload_check(wl, cfg, err))
		return -1;
	s->ops = cfg->ops;
	s->cpus = cfg->cpus;
	s->family = wl->family;
	wl_rng_seed(&s->rng, cfg->seed);
	return 0;
}

/* Release the heap. */
void wl_sim_destroy(struct wl_sim *s)
{
	free(s->heap);
	s->heap = NULL;
	s->nheap = s->capheap = 0;
}

/* Schedule a wake-up; a time in the past is moved to now, so order holds. */
int wl_wake_at(struct wl_sim *s, uint64_t ts, uint32_t cpu, uint32_t kind, uint64_t arg)
{
	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? 2 * s->capheap : 256;
		struct wl_wake *h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			return wl_oom(s);
		s->heap = h;
		s->capheap = cap;
	}
	s->heap[s->nheap] = (struct wl_wake){
		.ts = ts < s->now ? s->now : ts, .seq = s->seq++, .arg = arg, .cpu = cpu, .kind = kind,
	};
	heap_up(s->heap, s->nheap++);
	return 0;
}

/* Run wake-ups in time order until exactly ops events are written. */
int wl_sim_run(struct wl_sim *s, wl_step_fn step, void *ctx)
{
	uint64_t idle = 0;
	while (s->emitted < s->ops) {
		struct wl_wake wk;
		uint64_t before = s->emitted;
		if (!heap_pop(s, &wk))
			return wl_fail(s, "internal error: nothing scheduled after %llu of %llu events",
					(unsigned long long)s->emitted, (unsigned long long)s->ops);
		s->now = wk.ts;
		if (step(s, ctx, &wk))
			return -1;
		idle = s->emitted == before ? idle + 1 : 0;
		if (idle > WL_STALL_LIMIT)
			return wl_fail(s, "internal error: stalled after %llu of %llu events",
					(unsigned long long)s->emitted, (unsigned long long)s->ops);
	}
	return 0;
}

/* A blank event of the workload's family, stamped now. */
struct mmr_event wl_event(const struct wl_sim *s, uint32_t cpu, int32_t pid, unsigned op,
			  uint64_t id)
{
	return (struct mmr_event){
		.ts_ns = s->now, .id = id, .pid = pid, .cpu = cpu, .node = -1,
		.family = s->family, .op = (uint8_t)op,
	};
}

/* Write EV unless the budget is spent. */
int wl_emit(struct wl_sim *s, const struct mmr_event *ev)
{
	if (s->emitted >= s->ops)
		return 1;
	if (mmr_writer_write(s->w, ev, s->err))
		return -1;
	s->emitted++;
	return 0;
}

/* Length of NAME's function part and the offset after "+0x". */
static size_t split_symbol(const char *name, uint64_t *off)
{
	const char *plus = strstr(name, "+0x");
	*off = plus ? strtoull(plus + 3, NULL, 16) : 0;
	return plus ? (size_t)(plus - name) : strlen(name);
}

/* Register call-site names; one function, one start address. */
int wl_symbols(struct wl_sim *s, uint64_t base, const char *const *names, size_t n,
	       uint64_t *addrs)
{
	uint64_t next_fn = base;
	for (size_t i = 0; i < n; i++) {
		uint64_t off, fn = 0;
		size_t len = split_symbol(names[i], &off);
		for (size_t j = 0; j < i && !fn; j++) {
			uint64_t o;
			if (split_symbol(names[j], &o) == len && !strncmp(names[i], names[j], len))
				fn = addrs[j] - o;
		}
		if (!fn) {
			fn = next_fn;
			next_fn += 0x1000; /* functions 4 KiB apart: room for any offset used */
		}
		addrs[i] = fn + off;
		if (mmr_writer_add_symbol(s->w, addrs[i], names[i], s->err))
			return -1;
	}
	return 0;
}

/* Name one task. */
int wl_comm(struct wl_sim *s, int32_t pid, const char *comm)
{
	return mmr_writer_add_comm(s->w, pid, comm, s->err);
}

/* Name PID_BASE + cpu for every CPU. */
int wl_comms(struct wl_sim *s, int32_t pid_base, const char *fmt)
{
	char comm[32];
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++) {
		snprintf(comm, sizeof(comm), fmt, cpu);
		if (wl_comm(s, pid_base + (int32_t)cpu, comm))
			return -1;
	}
	return 0;
}
