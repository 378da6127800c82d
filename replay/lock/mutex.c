/* SPDX-License-Identifier: MIT */
/*
 * mutex.c - the sleeping lock: a pthread mutex, adaptive where the C
 * library has that type (it spins briefly before sleeping, as the kernel's
 * mutex spins on a running owner), else the default type.
 *
 * The first try is pthread_mutex_trylock: when it fails the acquisition is
 * contended and the blocking lock follows.
 */
#include "lock_internal.h"

/** Unlocked, in class NAME; -1 when the class cannot be had or the mutex cannot be set up. */
int mmr_mutex_init(struct mmr_mutex *l, const char *name)
{
	l->cls = mmr_lock_class_get(name, MMR_LOCK_MUTEX);
	if (!l->cls)
		return -1;
	pthread_mutexattr_t attr;
	if (pthread_mutexattr_init(&attr) != 0)
		return -1;
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP /* glibc's sign that the adaptive type exists */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	int err = pthread_mutex_init(&l->m, &attr);
	pthread_mutexattr_destroy(&attr);
	return err ? -1 : 0;
}

/** Free the pthread mutex; L must be unlocked. */
void mmr_mutex_destroy(struct mmr_mutex *l)
{
	pthread_mutex_destroy(&l->m);
	l->cls = NULL;
}

/** Take L, sleeping while it is held; a failed first try makes this a contended acquisition. */
void mmr_mutex_lock(struct mmr_mutex *l)
{
	struct lock_attempt a;
	lock_attempt_begin(&a);
	if (LOCK_UNLIKELY(pthread_mutex_trylock(&l->m) != 0)) {
		lock_wait_begin(l->cls, &a);
		int err = pthread_mutex_lock(&l->m);
		if (err)
			mmr_lock_die("pthread_mutex_lock", err);
		lock_wait_end(l->cls, &a);
	}
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, 0, &a);
}

/** Take L if it is free; a failure is not counted. */
bool mmr_mutex_trylock(struct mmr_mutex *l)
{
	if (pthread_mutex_trylock(&l->m) != 0)
		return false;
	struct lock_attempt a;
	lock_attempt_trylock(&a);
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, 0, &a);
	return true;
}

/** Release L. */
void mmr_mutex_unlock(struct mmr_mutex *l)
{
	lock_leave(l->cls);
	struct lock_release r;
	lock_release_begin(l->cls, l, 0, &r);
	int err = pthread_mutex_unlock(&l->m);
	if (err)
		mmr_lock_die("pthread_mutex_unlock", err);
	lock_released(&r);
}
