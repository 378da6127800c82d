/* SPDX-License-Identifier: MIT */
/*
 * mmr_dlib.c - open an allocator library once, resolve what an engine
 * needs from it, and say in one line why not when that fails.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_dlib.h"

#if defined(__SANITIZE_ADDRESS__)
#define MMR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MMR_ASAN 1
#endif
#endif
#ifdef MMR_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/* The static TLS reserve that lets jemalloc (2.6 KiB of initial-exec TLS) load late. */
#define TLS_TUNABLE "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096"

/* Whether the MMR_TEST_HIDE_LIB test hook names SONAME. */
static bool hidden(const char *soname)
{
	const char *list = getenv("MMR_TEST_HIDE_LIB");
	size_t n = strlen(soname);
	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, soname, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* dlopen's error for L, as one line: missing, short of static TLS, or as dlerror says. */
static const char *open_failed(struct mmr_dlib *l, const char *err)
{
	if (!err || strstr(err, "No such file"))
		snprintf(l->buf, sizeof(l->buf), "%s not found: install %s", l->soname, l->package);
	else if (strstr(err, "static TLS"))
		/* glibc reserves too little static TLS for a library that uses initial-exec TLS and
		 * comes after startup; the reserve is set only when the process starts. */
		snprintf(l->buf, sizeof(l->buf), "%s cannot be loaded: too little static TLS: run with %s",
			 l->soname, TLS_TUNABLE);
	else
		snprintf(l->buf, sizeof(l->buf), "%s cannot be loaded: %s", l->soname, err);
	return l->buf;
}

/* Load L now: the reason it cannot run, or NULL. */
static const char *load(struct mmr_dlib *l)
{
	if (hidden(l->soname))
		return open_failed(l, NULL);
#ifdef MMR_ASAN
	/* tcmalloc's constructors keep objects made with operator new (ASan's, from the global
	 * scope) for the life of the process; LeakSanitizer would report them at exit. */
	__lsan_disable();
#endif
	/* RTLD_LOCAL: the library's malloc must not become the process's (see mmr_dlib.h). */
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
#ifdef MMR_ASAN
	__lsan_enable();
#endif
	if (!h)
		return open_failed(l, dlerror());
	for (const struct mmr_dsym *s = l->syms; s->name; s++) {
		*s->addr = dlsym(h, s->name);
		if (!*s->addr && !s->optional) {
			snprintf(l->buf, sizeof(l->buf), "%s has no symbol %s: not the version this engine was written for",
				 l->soname, s->name);
			return l->buf;
		}
	}
	/* Never dlclose'd: threads that used it hold its thread caches until they exit. */
	return NULL;
}

const char *mmr_dlib_load(struct mmr_dlib *l)
{
	if (atomic_load_explicit(&l->done, memory_order_acquire))
		return l->why;
	/* Once per process, off every timed path: a plain mutex, not an mmr_lock class. */
	pthread_mutex_lock(&l->lock);
	if (!atomic_load_explicit(&l->done, memory_order_relaxed)) {
		l->why = load(l);
		atomic_store_explicit(&l->done, true, memory_order_release);
	}
	pthread_mutex_unlock(&l->lock);
	return l->why;
}
