/* SPDX-License-Identifier: MIT */
/*
 * xlock.h - one interface over the four exclusive ways to lock (spinlock,
 * mutex, rwlock taken for writing, bit spinlock), so that the same
 * scripted tests and stress run against every kind.
 */
#ifndef XLOCK_H
#define XLOCK_H

#include <stdbool.h>

#include "mmr_lock.h"

struct xlock_ops;

struct xlock {
	const struct xlock_ops *ops;
	struct mmr_lock_class *cls;
	union {
		struct mmr_spinlock spin;
		struct mmr_mutex mutex;
		struct mmr_rwlock rw;
		atomic_ulong word;
	} u;
};

struct xlock_ops {
	const char *name;        /* for test names */
	enum mmr_lock_kind kind; /* of the class */
	unsigned bit;            /* the bit spinlock's bit */
	/* Initialise X in class NAME; 0 or -1 as the mmr_*_init functions. */
	int (*init)(struct xlock *x, const char *name);
	void (*lock)(struct xlock *x);
	bool (*trylock)(struct xlock *x);
	void (*unlock)(struct xlock *x);
	void (*destroy)(struct xlock *x);
};

/* The four: spin, mutex, rwlock (write side), bit (bit 37 of a word). */
extern const struct xlock_ops xlock_spin, xlock_mutex, xlock_write, xlock_bit;

/* Initialise X with OPS in class NAME, failing the test if that fails. */
void xlock_init(struct xlock *x, const struct xlock_ops *ops, const char *name);

#endif
