/* SPDX-License-Identifier: MIT */
/*
 * mmr_dlib.h - a userspace allocator library loaded at run time, for the
 * engines that replay through one (jemalloc, mimalloc, tcmalloc).
 *
 * The library is never a build dependency: the engine builds everywhere,
 * and where the library (or one of its symbols) is missing it says so
 * through its unavailable() hook instead.  It is opened RTLD_LOCAL, so its
 * malloc, free and operator new stay out of the process's symbol lookup:
 * the process keeps glibc's (or the sanitizer's) malloc, and the engine
 * reaches the library only through the addresses resolved here.
 *
 * Test hook: MMR_TEST_HIDE_LIB=SONAME[,SONAME...] in the environment makes
 * those libraries act as not installed (tests/cli checks the message).
 */
#ifndef MMR_DLIB_H
#define MMR_DLIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* One symbol an engine takes from its library. */
struct mmr_dsym {
	const char *name; /* NULL ends a list */
	void **addr;      /* receives the symbol's address */
	bool optional;    /* absent is fine: *addr stays NULL and the engine does without */
};

/* A library and what to take from it; define one statically with MMR_DLIB. */
struct mmr_dlib {
	const char *soname;          /* "libjemalloc.so.2" */
	const char *package;         /* the Debian package that installs it: "libjemalloc2" */
	const struct mmr_dsym *syms; /* what to resolve */
	/* Private to mmr_dlib.c: loaded once, the answer kept. */
	pthread_mutex_t lock;
	atomic_bool done;
	const char *why;
	char buf[256];
};

#define MMR_DLIB(so, pkg, symbols) {.soname = (so), .package = (pkg), .syms = (symbols), \
				    .lock = PTHREAD_MUTEX_INITIALIZER}

/*
 * Open L's library and resolve its symbols, the first time; later calls
 * give the first answer.  Returns NULL when every required symbol was
 * resolved, otherwise one line saying why not ("libjemalloc.so.2 not
 * found: install libjemalloc2").  Thread-safe; the library stays loaded.
 */
const char *mmr_dlib_load(struct mmr_dlib *l);

#endif /* MMR_DLIB_H */
