/* SPDX-License-Identifier: MIT */
/*
 * stats_lock.c - the kernel's lock contention in a trace (family lock:
 * lock:contention_begin and _end), per lock and per task, counted the way
 * `perf lock contention` counts them so the two agree on the same events:
 *
 * - a wait belongs to the task that waits, not the CPU: a sleeping lock's
 *   waiter can wake on another CPU.  A begin is paired with the next end of
 *   the same lock by the same task.  pid 0 is every CPU's idle task, so its
 *   waits (interrupts taken in idle) pair per CPU instead;
 * - a begin counts as a contended acquisition when it starts a wait; a
 *   second begin of the same wait (a mutex that spun, then sleeps) neither
 *   counts again nor restarts the clock;
 * - an end adds its wait (end - begin) to the total, the max and the min,
 *   and the average is the total over the ends; an end without a begin
 *   (its begin came before the trace) is counted apart and adds nothing;
 * - the lock's type is the flags of its first begin;
 * - the lock's caller is the call site its begins came from most often
 *   (a kernel stack names it: capture --lock-stacks, perf record -g), and
 *   its name the trace's symbol at its address, else the lock that caller
 *   takes (lock_names.c).
 */
#include <stdlib.h>
#include <string.h>

#include "lock_names.h"
#include "stats_internal.h"

/* Grow *V (of *CAP elements of SIZE bytes) to hold N + 1.  Returns 0, or -1 when out of memory. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / size || ncap >= UINT32_MAX)
		return -1;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Index of the row keyed KEY in MAP, appending a zeroed row to *ROWS when new; -1 when out of memory. */
static int64_t row_of(struct mmr_idmap *map, void **rows, size_t *n, size_t *cap, size_t size, uint64_t key)
{
	uint64_t *idx = mmr_idmap_get(map, key);
	if (idx)
		return (int64_t)*idx;
	if (grow(rows, cap, *n, size) || mmr_idmap_put(map, key, *n))
		return -1;
	memset((char *)*rows + *n * size, 0, size);
	return (int64_t)(*n)++;
}

/* Who waits: the task, or for the idle tasks (all pid 0) the CPU, kept apart from any pid. */
static uint64_t waiter_of(const struct mmr_event *ev)
{
	return ev->pid != 0 ? (uint64_t)(uint32_t)ev->pid : (1ull << 32) | ev->cpu;
}

/*
 * The pending-wait key of (WAITER, ADDR), mixed so that the pairs of one
 * map stay apart.  Two pairs that mix to the same key (no real trace has
 * them) only cost the older its pairing: the entry records the pair and a
 * mismatch is never taken for it.
 */
static uint64_t wait_key(uint64_t waiter, uint64_t addr)
{
	uint64_t k = addr ^ (waiter * 0x9e3779b97f4a7c15ull);
	k ^= k >> 31;
	k *= 0xbf58476d1ce4e5b9ull;
	return k ^ (k >> 29);
}

/* ROW's wait histogram, made on first use while fewer than STATS_LOCK_HISTS exist; NULL otherwise. */
static struct mmr_hist *wait_hist(struct stats_locks *l, struct stats_lock_row *row)
{
	if (row->wait_hist || row->acquired)
		return row->wait_hist;
	if (l->nhists < STATS_LOCK_HISTS && (row->wait_hist = malloc(sizeof(*row->wait_hist)))) {
		mmr_hist_init(row->wait_hist);
		l->nhists++;
	} else {
		l->no_hist++;
	}
	return row->wait_hist;
}

static void wait_account(struct stats_locks *l, struct stats_lock_row *row, struct stats_lock_task *t, uint64_t ns)
{
	struct mmr_hist *h = wait_hist(l, row);
	if (h)
		mmr_hist_add(h, ns);
	row->acquired++;
	row->wait_total += ns;
	if (ns > row->wait_max)
		row->wait_max = ns;
	if (row->acquired == 1 || ns < row->wait_min)
		row->wait_min = ns;
	t->acquired++;
	t->wait_total += ns;
	if (ns > t->wait_max)
		t->wait_max = ns;
}

static int lock_begin(struct stats_locks *l, const struct mmr_event *ev, uint64_t key,
		      struct stats_lock_row *row, struct stats_lock_task *task)
{
	uint64_t *p = mmr_idmap_get(&l->pending, key);
	if (p && l->waits[*p].addr == ev->id && l->waits[*p].waiter == waiter_of(ev)) {
		l->nested_begins++;
		return 0;
	}
	if (row->contended == 0)
		row->flags = ev->aux;
	row->contended++;
	task->contended++;
	struct stats_wait w = {ev->id, waiter_of(ev), ev->ts_ns};
	if (p) {
		/* A stale wait under the same key (see wait_key) gives way to the new one. */
		l->waits[*p] = w;
		return 0;
	}
	if (grow((void **)&l->waits, &l->cap_waits, l->nwaits, sizeof(*l->waits)) ||
	    mmr_idmap_put(&l->pending, key, l->nwaits))
		return -1;
	l->waits[l->nwaits++] = w;
	return 0;
}

/* Remove pending wait IDX (keyed KEY), moving the last one into its place. */
static void wait_remove(struct stats_locks *l, uint64_t key, uint64_t idx)
{
	mmr_idmap_del(&l->pending, key, NULL);
	if (idx != --l->nwaits) {
		l->waits[idx] = l->waits[l->nwaits];
		const struct stats_wait *m = &l->waits[idx];
		*mmr_idmap_get(&l->pending, wait_key(m->waiter, m->addr)) = idx;
	}
}

/* Count one begin of ROW from call site SITE, keeping the row's most frequent.  Returns 0, or -1 (memory). */
static int note_caller(struct stats_locks *l, struct stats_lock_row *row, uint64_t site)
{
	uint64_t key = wait_key(site, row->addr);
	uint64_t *p = mmr_idmap_get(&l->caller_map, key);
	struct stats_lock_caller *c;
	if (p && l->callers[*p].addr == row->addr && l->callers[*p].site == site) {
		c = &l->callers[*p];
	} else {
		/* A (lock, site) pair that mixes to a taken key (no real trace has one) goes uncounted. */
		if (p)
			return 0;
		if (grow((void **)&l->callers, &l->cap_callers, l->ncallers, sizeof(*l->callers)) ||
		    mmr_idmap_put(&l->caller_map, key, l->ncallers))
			return -1;
		c = &l->callers[l->ncallers++];
		*c = (struct stats_lock_caller){row->addr, site, 0};
	}
	c->hits++;
	/* Ties keep the caller seen first, so the name does not flip with the order of equal counts. */
	if (c->hits > row->caller_hits) {
		row->caller_hits = c->hits;
		row->caller = site;
	}
	return 0;
}

int stats_locks_add(struct stats_locks *l, const struct mmr_event *ev)
{
	int64_t r = row_of(&l->lock_map, (void **)&l->rows, &l->nrows, &l->cap_rows, sizeof(*l->rows), ev->id);
	int64_t t = r < 0 ? -1
			  : row_of(&l->task_map, (void **)&l->tasks, &l->ntasks, &l->cap_tasks, sizeof(*l->tasks),
				   (uint64_t)(uint32_t)ev->pid);
	if (t < 0)
		return -1;
	struct stats_lock_row *row = &l->rows[r];
	struct stats_lock_task *task = &l->tasks[t];
	task->pid = ev->pid;
	row->addr = ev->id;
	uint64_t key = wait_key(waiter_of(ev), ev->id);
	if (ev->op == MMR_OP_CONTENTION_BEGIN) {
		row->stacked += (ev->flags & MMR_EF_STACKED) != 0;
		if (ev->call_site && note_caller(l, row, ev->call_site))
			return -1;
		return lock_begin(l, ev, key, row, task);
	}
	uint64_t *p = mmr_idmap_get(&l->pending, key);
	if (!p || l->waits[*p].addr != ev->id || l->waits[*p].waiter != waiter_of(ev)) {
		l->unmatched_ends++;
		return 0;
	}
	uint64_t idx = *p, begin = l->waits[idx].ts_ns;
	/* Out-of-order timestamps (merged per-CPU buffers) clamp to 0. */
	wait_account(l, row, task, ev->ts_ns > begin ? ev->ts_ns - begin : 0);
	wait_remove(l, key, idx);
	return 0;
}

void stats_locks_free(struct stats_locks *l)
{
	for (size_t i = 0; i < l->nrows; i++)
		free(l->rows[i].wait_hist);
	mmr_idmap_destroy(&l->lock_map);
	mmr_idmap_destroy(&l->task_map);
	mmr_idmap_destroy(&l->pending);
	mmr_idmap_destroy(&l->caller_map);
	free(l->callers);
	free(l->rows);
	free(l->tasks);
	free(l->waits);
}

static const struct stats_locks *sort_locks;

/* Most total wait first, as perf sorts by default; then most contended, then lowest address. */
static int row_cmp(const void *a, const void *b)
{
	const struct stats_lock_row *x = &sort_locks->rows[*(const uint32_t *)a];
	const struct stats_lock_row *y = &sort_locks->rows[*(const uint32_t *)b];
	if (x->wait_total != y->wait_total)
		return x->wait_total > y->wait_total ? -1 : 1;
	if (x->contended != y->contended)
		return x->contended > y->contended ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

size_t stats_locks_order(const struct stats_locks *l, uint32_t **out)
{
	uint32_t *idx = malloc((l->nrows ? l->nrows : 1) * sizeof(*idx));
	size_t n = 0;
	*out = idx;
	if (!idx)
		return 0;
	/* A lock seen only in ends whose begins came before the trace waited for nothing we saw. */
	for (size_t i = 0; i < l->nrows; i++)
		if (l->rows[i].contended)
			idx[n++] = (uint32_t)i;
	/* Reports are written one at a time: a file-scope comparator context is enough. */
	sort_locks = l;
	qsort(idx, n, sizeof(*idx), row_cmp);
	sort_locks = NULL;
	return n;
}

uint64_t stats_locks_contended(const struct stats_locks *l)
{
	uint64_t n = 0;
	for (size_t i = 0; i < l->nrows; i++)
		n += l->rows[i].contended;
	return n;
}

uint64_t stats_locks_wait(const struct stats_locks *l)
{
	uint64_t n = 0;
	for (size_t i = 0; i < l->nrows; i++)
		n += l->rows[i].wait_total;
	return n;
}

const char *stats_lock_name_by(const struct stats_lock_row *row, const struct mmr_reader *r, const char **by)
{
	const char *name = r ? mmr_reader_symbol(r, row->addr) : NULL;
	const char *how = "symbol";
	if (!name) {
		/* The caller's symbol reads "rmqueue_bulk+0x5a": the table ignores the offset. */
		const char *site = row->caller && r ? mmr_reader_symbol(r, row->caller) : NULL;
		name = site ? mmr_kernel_lock_of_wait(site, row->flags, row->addr) : NULL;
		how = "caller";
	}
	if (by)
		*by = name ? how : NULL;
	return name;
}

const char *stats_lock_name(const struct stats_lock_row *row, const struct mmr_reader *r)
{
	return stats_lock_name_by(row, r, NULL);
}
