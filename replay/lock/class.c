/* SPDX-License-Identifier: MIT */
/*
 * class.c - the registry of lock classes, by name.
 *
 * Engines initialise locks while the replay runs (a lock per zspage, per
 * vmap area), and each init looks its class up by name, so finding an
 * existing class must not serialise threads on a global lock: that would
 * add contention the report would then blame on the engine.  Lookups
 * therefore read an open-addressing table of class pointers without any
 * lock; only creating a class takes the registry lock.  A full table is
 * replaced by a larger copy, and old tables are kept (chained from the new
 * one), because a reader may still be probing one: classes are never
 * freed, so whatever an old table points to stays valid, and a name an old
 * table lacks is looked up again under the lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock_internal.h"

pthread_mutex_t mmr_lock_registry = PTHREAD_MUTEX_INITIALIZER;
struct mmr_lock_class **mmr_lock_classes;
unsigned mmr_lock_nclasses;
static unsigned classes_cap;

struct class_table {
	size_t cap; /* a power of two */
	struct class_table *older;
	_Atomic(struct mmr_lock_class *) slot[];
};

/* The newest table; NULL before the first class. */
static _Atomic(struct class_table *) table;

static const char *const kind_names[MMR_LOCK_KINDS] = {
	[MMR_LOCK_SPIN] = "spinlock",
	[MMR_LOCK_MUTEX] = "mutex",
	[MMR_LOCK_RWLOCK] = "rwlock",
	[MMR_LOCK_BIT] = "bit_spinlock",
};

/** The kind's name as the report prints it; NULL when out of range. */
const char *mmr_lock_kind_name(enum mmr_lock_kind kind)
{
	return (unsigned)kind < MMR_LOCK_KINDS ? kind_names[kind] : NULL;
}

static const char *const kernel_names[MMR_KL_TYPES] = {
	[MMR_KL_UNKNOWN] = "unknown",
	[MMR_KL_SPINLOCK] = "spinlock_t",
	[MMR_KL_RAW_SPINLOCK] = "raw_spinlock_t",
	[MMR_KL_RWLOCK] = "rwlock_t",
	[MMR_KL_BIT_SPINLOCK] = "bit_spin_lock",
	[MMR_KL_MUTEX] = "mutex",
	[MMR_KL_RWSEM] = "rw_semaphore",
	[MMR_KL_WW_MUTEX] = "ww_mutex",
};

/** The kernel type's name; NULL when out of range. */
const char *mmr_kernel_lock_name(enum mmr_kernel_lock type)
{
	return (unsigned)type < MMR_KL_TYPES ? kernel_names[type] : NULL;
}

/** Whether the kernel type's waiters spin, on the default kernel or (RT) on PREEMPT_RT. */
bool mmr_kernel_lock_spins(enum mmr_kernel_lock type, bool rt)
{
	if (lock_type_atomic(type))
		return true;
	return !rt && (type == MMR_KL_SPINLOCK || type == MMR_KL_RWLOCK);
}

/** Whether a hold of TYPE taken with IRQS_OFF keeps interrupts off (RT: only raw spinlocks do). */
bool mmr_kernel_lock_irqs_off(enum mmr_kernel_lock type, bool irqs_off, bool rt)
{
	return irqs_off && (!rt || type == MMR_KL_RAW_SPINLOCK);
}

/** Whether TYPE may sleep on PREEMPT_RT. */
bool mmr_kernel_lock_sleeps_rt(enum mmr_kernel_lock type)
{
	return type == MMR_KL_SPINLOCK || type == MMR_KL_RWLOCK || type == MMR_KL_MUTEX || type == MMR_KL_RWSEM ||
	       type == MMR_KL_WW_MUTEX;
}

/** Whether TYPE is a PREEMPT_RT hazard: spins with preemption off, with no owner to boost. */
bool mmr_kernel_lock_rt_hazard(enum mmr_kernel_lock type)
{
	return type == MMR_KL_BIT_SPINLOCK;
}

/** Record what CLS stands for in the kernel. */
void mmr_lock_class_declare(struct mmr_lock_class *cls, enum mmr_kernel_lock type, bool irqs_off)
{
	if (!cls || (unsigned)type >= MMR_KL_TYPES)
		return;
	atomic_store_explicit(&cls->kernel_type, (unsigned)type, memory_order_relaxed);
	atomic_store_explicit(&cls->irqs_off, irqs_off, memory_order_relaxed);
}

_Noreturn void mmr_lock_die(const char *what, int err)
{
	if (err)
		fprintf(stderr, "mmr_lock: %s: %s\n", what, strerror(err));
	else
		fprintf(stderr, "mmr_lock: %s\n", what);
	abort();
}

/* FNV-1a: names are short, and the table is small. */
static size_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29));
}

/* The class NAME of KIND in T, or NULL; safe without the registry lock. */
static struct mmr_lock_class *table_find(const struct class_table *t, const char *name, enum mmr_lock_kind kind)
{
	if (!t)
		return NULL;
	for (size_t i = name_hash(name) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct mmr_lock_class *c = atomic_load_explicit(&t->slot[i], memory_order_acquire);
		if (!c)
			return NULL;
		if (c->kind == kind && strcmp(c->name, name) == 0)
			return c;
	}
}

/* Put C in T, which has room (at most half full after it). */
static void table_put(struct class_table *t, struct mmr_lock_class *c)
{
	size_t i = name_hash(c->name) & (t->cap - 1);
	while (atomic_load_explicit(&t->slot[i], memory_order_relaxed))
		i = (i + 1) & (t->cap - 1);
	/* Release: a reader that finds C sees it initialised. */
	atomic_store_explicit(&t->slot[i], c, memory_order_release);
}

/* Make room for one more class in the table and the id array; under the registry lock. */
static int registry_reserve(void)
{
	struct class_table *t = atomic_load_explicit(&table, memory_order_relaxed);
	if (!t || (mmr_lock_nclasses + 1) * 2 > t->cap) {
		size_t cap = t ? t->cap * 2 : 64;
		struct class_table *n = calloc(1, sizeof(*n) + cap * sizeof(n->slot[0]));
		if (!n)
			return -1;
		n->cap = cap;
		n->older = t;
		for (unsigned i = 0; i < mmr_lock_nclasses; i++)
			table_put(n, mmr_lock_classes[i]);
		atomic_store_explicit(&table, n, memory_order_release);
	}
	if (mmr_lock_nclasses == classes_cap) {
		unsigned cap = classes_cap ? classes_cap * 2 : 32;
		struct mmr_lock_class **a = realloc(mmr_lock_classes, cap * sizeof(*a));
		if (!a)
			return -1;
		mmr_lock_classes = a;
		classes_cap = cap;
	}
	return 0;
}

/* Create class NAME of KIND, or find it when another thread just did; under the registry lock. */
static struct mmr_lock_class *class_create(const char *name, enum mmr_lock_kind kind)
{
	struct mmr_lock_class *c = table_find(atomic_load_explicit(&table, memory_order_relaxed), name, kind);
	if (c)
		return c;
	if (registry_reserve() != 0)
		return NULL;
	c = aligned_alloc(alignof(struct mmr_lock_class), sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->kind = kind;
	c->id = mmr_lock_nclasses;
	c->nsides = kind == MMR_LOCK_RWLOCK ? 2 : 1;
	atomic_init(&c->waiting, 0);
	atomic_init(&c->kernel_type, MMR_KL_UNKNOWN);
	atomic_init(&c->irqs_off, false);
	mmr_lock_classes[mmr_lock_nclasses++] = c;
	table_put(atomic_load_explicit(&table, memory_order_relaxed), c);
	return c;
}

/**
 * The class NAME of KIND, created on first use; NULL on a bad name or no
 * memory.  A name may have a class of each kind: the variants of one
 * family (cma->lock a mutex in one, a spinlock in another) run in one
 * process, and each run reports only the classes it took.
 */
struct mmr_lock_class *mmr_lock_class_get(const char *name, enum mmr_lock_kind kind)
{
	if (!name || !*name || strlen(name) >= LOCK_NAME_MAX || (unsigned)kind >= MMR_LOCK_KINDS)
		return NULL;
	/* Every lock has a class, so this runs before any lock is timed; only the first call calibrates. */
	mmr_clock_init();
	struct mmr_lock_class *c = table_find(atomic_load_explicit(&table, memory_order_acquire), name, kind);
	if (!c) {
		pthread_mutex_lock(&mmr_lock_registry);
		c = class_create(name, kind);
		pthread_mutex_unlock(&mmr_lock_registry);
		if (!c)
			return NULL;
	}
	return c;
}

/** Threads now waiting for a lock of class CLS. */
unsigned mmr_lock_class_waiting(const struct mmr_lock_class *cls)
{
	/* Acquire: pairs with lock_wait_begin, so the waiter's registration in its lock word is visible. */
	return atomic_load_explicit(&cls->waiting, memory_order_acquire);
}
