/* SPDX-License-Identifier: MIT */
/*
 * space.c - the free address space: free blocks in a tree ordered by
 * address, each node also holding the size of the largest free block in
 * its subtree, so that the search for the lowest block that fits skips
 * every subtree too small without looking inside (the kernel keeps the
 * same "subtree_max_size" in an augmented red-black tree).  A treap keeps
 * it balanced: a random priority per node, split and merge by address.
 * The caller holds free_vmap_area_lock.
 */
#include <stdlib.h>

#include "vmalloc.h"

struct vs_node {
	uint64_t start, end;
	uint64_t max;          /* largest end - start in this subtree */
	uint32_t prio;
	struct vs_node *l, *r;
};

static uint32_t prio_next(void)
{
	/* Any spread will do for balance; a fixed sequence keeps runs repeatable. */
	static _Thread_local uint32_t x = 2463534242u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;
	return m > c ? m : c;
}

static void pull(struct vs_node *n)
{
	n->max = max3(n->end - n->start, n->l ? n->l->max : 0, n->r ? n->r->max : 0);
}

/* T split into *L (blocks starting below KEY) and *R (the rest). */
static void split(struct vs_node *t, uint64_t key, struct vs_node **l, struct vs_node **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (t->start < key) {
		split(t->r, key, &t->r, r);
		pull(t);
		*l = t;
	} else {
		split(t->l, key, l, &t->l);
		pull(t);
		*r = t;
	}
}

/* L and R (every block of L below every block of R) as one tree. */
static struct vs_node *merge(struct vs_node *l, struct vs_node *r)
{
	if (!l || !r)
		return l ? l : r;
	if (l->prio > r->prio) {
		l->r = merge(l->r, r);
		pull(l);
		return l;
	}
	r->l = merge(l, r->l);
	pull(r);
	return r;
}

static struct vs_node *node_new(uint64_t start, uint64_t end)
{
	struct vs_node *n = malloc(sizeof(*n));
	if (n)
		*n = (struct vs_node){.start = start, .end = end, .max = end - start, .prio = prio_next()};
	return n;
}

/* Insert block N, which overlaps and touches no other. */
static void insert(struct vs_space *s, struct vs_node *n)
{
	struct vs_node *l, *r;
	split(s->root, n->start, &l, &r);
	s->root = merge(merge(l, n), r);
	s->blocks++;
	s->bytes += n->end - n->start;
}

int vs_init(struct vs_space *s, uint64_t start, uint64_t end)
{
	*s = (struct vs_space){0};
	struct vs_node *n = node_new(start, end);
	if (!n)
		return -1;
	insert(s, n);
	return 0;
}

static void free_tree(struct vs_node *n)
{
	if (!n)
		return;
	free_tree(n->l);
	free_tree(n->r);
	free(n);
}

void vs_destroy(struct vs_space *s)
{
	free_tree(s->root);
	*s = (struct vs_space){0};
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/*
 * The lowest block under N where SIZE bytes aligned to ALIGN fit, or NULL;
 * *AT the address.  Subtrees whose largest block is below LENGTH are
 * skipped: with LENGTH = SIZE + ALIGN - 1 (the kernel's adjusted search
 * size for alignments above a page) any block that large fits whatever
 * its alignment, so the search never walks a subtree that turns out to
 * hold nothing, at the price of passing over a smaller block that would
 * have happened to be aligned.
 */
static struct vs_node *lowest_fit(struct vs_node *n, uint64_t size, uint64_t align, uint64_t length, uint64_t *at)
{
	while (n && n->max >= length) {
		struct vs_node *in_left = lowest_fit(n->l, size, align, length, at);
		if (in_left)
			return in_left;
		uint64_t a = align_up(n->start, align);
		if (a >= n->start && a <= n->end && n->end - a >= size) {
			*at = a;
			return n;
		}
		n = n->r;
	}
	return NULL;
}

/* Take block N out of the tree. */
static void remove_block(struct vs_space *s, struct vs_node *n)
{
	struct vs_node *l, *m, *r;
	split(s->root, n->start, &l, &r);
	split(r, n->start + 1, &m, &r);
	s->root = merge(l, r);
	s->blocks--;
	s->bytes -= n->end - n->start;
}

uint64_t vs_alloc(struct vs_space *s, uint64_t size, uint64_t align)
{
	uint64_t a;
	uint64_t length = align > VM_PAGE && size + align - 1 > size ? size + align - 1 : size;
	struct vs_node *n = size ? lowest_fit(s->root, size, align, length, &a) : NULL;
	if (!n)
		return VM_NONE;
	/* The block may leave a piece on either side: the node keeps one, a new node the other. */
	struct vs_node *rest = NULL;
	if (a > n->start && a + size < n->end && !(rest = node_new(a + size, n->end)))
		return VM_NONE;
	uint64_t start = n->start, end = n->end;
	remove_block(s, n);
	if (a > start) {
		n->start = start;
		n->end = a;
		n->l = n->r = NULL;
		pull(n);
		insert(s, n);
	} else if (a + size < end) {
		rest = n;
		rest->start = a + size;
		rest->end = end;
	} else {
		free(n);
	}
	if (rest) {
		rest->l = rest->r = NULL;
		pull(rest);
		insert(s, rest);
	}
	return a;
}

static struct vs_node *rightmost(struct vs_node *n)
{
	while (n && n->r)
		n = n->r;
	return n;
}

static struct vs_node *leftmost(struct vs_node *n)
{
	while (n && n->l)
		n = n->l;
	return n;
}

int vs_free(struct vs_space *s, uint64_t start, uint64_t end)
{
	struct vs_node *l, *r;
	split(s->root, start, &l, &r);
	struct vs_node *prev = rightmost(l), *next = leftmost(r); /* before merging back changes the halves */
	s->root = merge(l, r);
	if (prev && prev->end != start)
		prev = NULL;
	if (next && next->start != end)
		next = NULL;
	struct vs_node *n = prev ? prev : next ? next : node_new(start, end);
	if (!n)
		return -1;
	/* Neighbours that touch the freed range grow into one block. */
	if (prev) {
		remove_block(s, prev);
		start = prev->start;
	}
	if (next) {
		remove_block(s, next);
		end = next->end;
		if (next != n)
			free(next);
	}
	n->start = start;
	n->end = end;
	n->l = n->r = NULL;
	pull(n);
	insert(s, n);
	return 0;
}

uint64_t vs_largest(const struct vs_space *s)
{
	return s->root ? s->root->max : 0;
}

static int walk(const struct vs_node *n, int (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
	if (!n)
		return 0;
	int rc = walk(n->l, fn, ctx);
	if (!rc)
		rc = fn(ctx, n->start, n->end);
	return rc ? rc : walk(n->r, fn, ctx);
}

int vs_walk(const struct vs_space *s, int (*fn)(void *ctx, uint64_t start, uint64_t end), void *ctx)
{
	return walk(s->root, fn, ctx);
}
