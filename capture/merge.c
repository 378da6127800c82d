/* SPDX-License-Identifier: MIT */
/*
 * merge.c - put events from several per-CPU streams into timestamp order
 * before they reach the writer.  Replay pairs a free with its allocation by
 * their order in the trace, so a free read from CPU 1's buffer before the
 * allocation still waiting in CPU 0's would break a real dependency.
 *
 * Each CPU's ring buffer is already in timestamp order, so events wait in
 * one FIFO per CPU and a flush is a k-way merge of the queue heads: the
 * queue with the oldest head gives events until its head passes the next
 * oldest head of any other queue.  That costs a few compares per event,
 * where one heap over all held events cost a sift of 100-byte entries.
 * An event older than its queue's tail (a stream that is not sorted) is
 * inserted in place; equal timestamps keep arrival order within a queue
 * and go by CPU number across queues.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_internal.h"

struct queue {
	uint32_t cpu;
	struct mmr_event *ev; /* ring of cap slots (a power of two), head at [head] */
	size_t head, n, cap;
};

struct cap_merge {
	struct mmr_writer *w;
	struct queue *q;
	size_t nq, capq;
	struct queue *last;    /* the queue of the previous push: usually the next one's too */
	size_t held;
	uint64_t last_written; /* timestamp of the newest event written */
	bool wrote;
	uint64_t out_of_order;
};

struct cap_merge *cap_merge_new(struct mmr_writer *w)
{
	struct cap_merge *m = calloc(1, sizeof(*m));
	if (m)
		m->w = w;
	return m;
}

void cap_merge_set_writer(struct cap_merge *m, struct mmr_writer *w)
{
	m->w = w;
}

void cap_merge_free(struct cap_merge *m)
{
	for (size_t i = 0; m && i < m->nq; i++)
		free(m->q[i].ev);
	if (m)
		free(m->q);
	free(m);
}

static struct mmr_event *at(struct queue *q, size_t i)
{
	return &q->ev[(q->head + i) & (q->cap - 1)];
}

/* The queue of CPU, created on first use (kept sorted by CPU).  NULL when out of memory. */
static struct queue *queue_of(struct cap_merge *m, uint32_t cpu)
{
	if (m->last && m->last->cpu == cpu)
		return m->last;
	size_t i = 0;
	while (i < m->nq && m->q[i].cpu < cpu)
		i++;
	if (i == m->nq || m->q[i].cpu != cpu) {
		if (m->nq == m->capq) {
			size_t cap = m->capq ? m->capq * 2 : 8;
			struct queue *grown = realloc(m->q, cap * sizeof(*grown));
			if (!grown)
				return NULL;
			m->q = grown;
			m->capq = cap;
		}
		memmove(&m->q[i + 1], &m->q[i], (m->nq - i) * sizeof(*m->q));
		m->q[i] = (struct queue){.cpu = cpu};
		m->nq++;
	}
	return m->last = &m->q[i];
}

/* Double Q's ring, unwrapping it.  Returns 0, or -1 when out of memory. */
static int grow(struct queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : 1024;
	struct mmr_event *ev = malloc(cap * sizeof(*ev));
	if (!ev)
		return -1;
	for (size_t i = 0; i < q->n; i++)
		ev[i] = *at(q, i);
	free(q->ev);
	q->ev = ev;
	q->head = 0;
	q->cap = cap;
	return 0;
}

int cap_merge_push(struct cap_merge *m, const struct mmr_event *ev, struct mmr_error *err)
{
	struct queue *q = queue_of(m, ev->cpu);
	if (!q || (q->n == q->cap && grow(q))) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory holding %zu events for ordering",
			 m->held);
		return -1;
	}
	if (m->wrote && ev->ts_ns < m->last_written)
		m->out_of_order++;
	/* Usually appended; an older event moves back past the newer ones. */
	size_t i = q->n++;
	while (i > 0 && at(q, i - 1)->ts_ns > ev->ts_ns) {
		*at(q, i) = *at(q, i - 1);
		i--;
	}
	*at(q, i) = *ev;
	m->held++;
	return 0;
}

/* Write Q's head and drop it.  Returns 0 or -1 (ERR). */
static int write_head(struct cap_merge *m, struct queue *q, struct mmr_error *err)
{
	struct mmr_event *e = at(q, 0);
	if (mmr_writer_write(m->w, e, err))
		return -1;
	if (!m->wrote || e->ts_ns > m->last_written)
		m->last_written = e->ts_ns;
	m->wrote = true;
	q->head = (q->head + 1) & (q->cap - 1);
	q->n--;
	m->held--;
	return 0;
}

int cap_merge_flush(struct cap_merge *m, uint64_t until, struct mmr_error *err)
{
	for (;;) {
		/*
		 * The queue with the oldest head (the lowest CPU on a tie), and the
		 * oldest head among the others with its queue.  Queues are in CPU
		 * order, so a strict compare keeps the lower one.
		 */
		size_t best = SIZE_MAX, other = SIZE_MAX;
		uint64_t best_ts = UINT64_MAX, next = UINT64_MAX;
		for (size_t i = 0; i < m->nq; i++) {
			if (!m->q[i].n)
				continue;
			uint64_t ts = at(&m->q[i], 0)->ts_ns;
			if (best == SIZE_MAX || ts < best_ts) {
				if (best != SIZE_MAX && best_ts < next)
					next = best_ts, other = best;
				best = i, best_ts = ts;
			} else if (ts < next) {
				next = ts, other = i;
			}
		}
		if (best == SIZE_MAX || best_ts > until)
			return 0;
		/* Drain the best queue while it stays ahead of every other head. */
		struct queue *q = &m->q[best];
		while (q->n) {
			uint64_t ts = at(q, 0)->ts_ns;
			if (ts > until || ts > next || (ts == next && best > other))
				break;
			if (write_head(m, q, err))
				return -1;
		}
	}
}

int cap_merge_each(struct cap_merge *m, int (*fn)(void *ctx, const struct mmr_event *ev), void *ctx)
{
	for (size_t i = 0; i < m->nq; i++)
		for (size_t j = 0; j < m->q[i].n; j++)
			if (fn(ctx, at(&m->q[i], j)))
				return -1;
	return 0;
}

size_t cap_merge_held(const struct cap_merge *m)
{
	return m->held;
}

uint64_t cap_merge_out_of_order(const struct cap_merge *m)
{
	return m->out_of_order;
}

