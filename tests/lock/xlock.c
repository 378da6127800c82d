/* SPDX-License-Identifier: MIT */
/* xlock.c - the four exclusive lock kinds behind one interface (xlock.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xlock.h"

static int spin_init(struct xlock *x, const char *name)
{
	int rc = mmr_spin_init(&x->u.spin, name);
	x->cls = x->u.spin.cls;
	return rc;
}
static void spin_lock(struct xlock *x) { mmr_spin_lock(&x->u.spin); }
static bool spin_trylock(struct xlock *x) { return mmr_spin_trylock(&x->u.spin); }
static void spin_unlock(struct xlock *x) { mmr_spin_unlock(&x->u.spin); }
static void no_destroy(struct xlock *x) { (void)x; }

static int mutex_init(struct xlock *x, const char *name)
{
	int rc = mmr_mutex_init(&x->u.mutex, name);
	x->cls = x->u.mutex.cls;
	return rc;
}
static void mutex_lock(struct xlock *x) { mmr_mutex_lock(&x->u.mutex); }
static bool mutex_trylock(struct xlock *x) { return mmr_mutex_trylock(&x->u.mutex); }
static void mutex_unlock(struct xlock *x) { mmr_mutex_unlock(&x->u.mutex); }
static void mutex_destroy(struct xlock *x) { mmr_mutex_destroy(&x->u.mutex); }

static int write_init(struct xlock *x, const char *name)
{
	int rc = mmr_rwlock_init(&x->u.rw, name);
	x->cls = x->u.rw.cls;
	return rc;
}
static void write_lock(struct xlock *x) { mmr_write_lock(&x->u.rw); }
static bool write_trylock(struct xlock *x) { return mmr_write_trylock(&x->u.rw); }
static void write_unlock(struct xlock *x) { mmr_write_unlock(&x->u.rw); }

static int bit_init(struct xlock *x, const char *name)
{
	atomic_init(&x->u.word, 0);
	x->cls = mmr_lock_class_get(name, MMR_LOCK_BIT);
	return x->cls ? 0 : -1;
}
static void bit_lock(struct xlock *x) { mmr_bit_lock(&x->u.word, x->ops->bit, x->cls); }
static bool bit_trylock(struct xlock *x) { return mmr_bit_trylock(&x->u.word, x->ops->bit, x->cls); }
static void bit_unlock(struct xlock *x) { mmr_bit_unlock(&x->u.word, x->ops->bit, x->cls); }

const struct xlock_ops xlock_spin = { "spin", MMR_LOCK_SPIN, 0, spin_init, spin_lock, spin_trylock,
				      spin_unlock, no_destroy };
const struct xlock_ops xlock_mutex = { "mutex", MMR_LOCK_MUTEX, 0, mutex_init, mutex_lock, mutex_trylock,
				       mutex_unlock, mutex_destroy };
const struct xlock_ops xlock_write = { "write", MMR_LOCK_RWLOCK, 0, write_init, write_lock, write_trylock,
				       write_unlock, no_destroy };
const struct xlock_ops xlock_bit = { "bit", MMR_LOCK_BIT, 37, bit_init, bit_lock, bit_trylock,
				     bit_unlock, no_destroy };

void xlock_init(struct xlock *x, const struct xlock_ops *ops, const char *name)
{
	x->ops = ops;
	assert_int_equal(ops->init(x, name), 0);
	assert_non_null(x->cls);
}
