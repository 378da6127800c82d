/* SPDX-License-Identifier: MIT */
/*
 * merge.c - put events from several per-CPU streams into timestamp order
 * before they reach the writer.  Replay pairs a free with its allocation by
 * their order in the trace, so a free read from CPU 1's buffer before the
 * allocation still waiting in CPU 0's would break a real dependency.
 *
 * A binary min-heap on (timestamp, arrival number): equal timestamps keep
 * the order they arrived in, so one CPU's events never swap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_internal.h"

struct held {
	struct mmr_event ev;
	uint64_t seq;
};

struct cap_merge {
	struct mmr_writer *w;
	struct held *heap;
	size_t n, cap;
	uint64_t seq;
	uint64_t last_written; /* timestamp of the newest event written */
	bool wrote;
	uint64_t out_of_order;
};

static bool before(const struct held *a, const struct held *b)
{
	return a->ev.ts_ns != b->ev.ts_ns ? a->ev.ts_ns < b->ev.ts_ns : a->seq < b->seq;
}

struct cap_merge *cap_merge_new(struct mmr_writer *w)
{
	struct cap_merge *m = calloc(1, sizeof(*m));
	if (m)
		m->w = w;
	return m;
}

void cap_merge_free(struct cap_merge *m)
{
	if (m)
		free(m->heap);
	free(m);
}

int cap_merge_push(struct cap_merge *m, const struct mmr_event *ev, struct mmr_error *err)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4096;
		struct held *h = realloc(m->heap, cap * sizeof(*h));
		if (!h) {
			snprintf(err->msg, sizeof(err->msg), "capture: out of memory holding %zu events for ordering", m->n);
			return -1;
		}
		m->heap = h;
		m->cap = cap;
	}
	if (m->wrote && ev->ts_ns < m->last_written)
		m->out_of_order++;
	size_t i = m->n++;
	struct held x = {*ev, m->seq++};
	while (i > 0 && before(&x, &m->heap[(i - 1) / 2])) {
		m->heap[i] = m->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->heap[i] = x;
	return 0;
}

/* Remove the smallest element (the heap is not empty). */
static void pop(struct cap_merge *m)
{
	struct held last = m->heap[--m->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m->n)
			break;
		if (c + 1 < m->n && before(&m->heap[c + 1], &m->heap[c]))
			c++;
		if (!before(&m->heap[c], &last))
			break;
		m->heap[i] = m->heap[c];
		i = c;
	}
	if (m->n)
		m->heap[i] = last;
}

int cap_merge_flush(struct cap_merge *m, uint64_t until, struct mmr_error *err)
{
	while (m->n && m->heap[0].ev.ts_ns <= until) {
		if (mmr_writer_write(m->w, &m->heap[0].ev, err))
			return -1;
		if (!m->wrote || m->heap[0].ev.ts_ns > m->last_written)
			m->last_written = m->heap[0].ev.ts_ns;
		m->wrote = true;
		pop(m);
	}
	/* A long capture's peak should not pin memory for the rest of it. */
	if (m->cap > 65536 && m->n < m->cap / 8) {
		struct held *h = realloc(m->heap, m->cap / 2 * sizeof(*h));
		if (h) {
			m->heap = h;
			m->cap /= 2;
		}
	}
	return 0;
}

size_t cap_merge_held(const struct cap_merge *m)
{
	return m->n;
}

uint64_t cap_merge_out_of_order(const struct cap_merge *m)
{
	return m->out_of_order;
}
