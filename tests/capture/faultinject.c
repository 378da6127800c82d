/* SPDX-License-Identifier: MIT */
/*
 * faultinject.c - an LD_PRELOAD library that makes one step of a live
 * capture fail the way the kernel or a disk would, so that each fault path
 * can be tested on a machine where nothing is broken (live_capture.sh).
 * MMR_FAULT says which step:
 *
 *   enable:SYSTEM:EVENT    enabling that tracepoint fails (EPERM, as under
 *                          lockdown or a security module)
 *   buffer                 the kernel refuses the ring buffer size (ENOMEM)
 *   eio:SUFFIX:BYTES       write() to a file whose path ends in SUFFIX fails
 *                          with EIO once BYTES were written to it, and
 *                          every write after that too
 *   eio-once:SUFFIX:BYTES  the same, but only that one write fails: an error
 *                          that passes, after which writes work again
 *                          (write() and fwrite(); a temporary file's SUFFIX
 *                          is " (deleted)")
 *   vanish                 the process named in set_event_pid is killed just
 *                          before the filter is written: it exits before the
 *                          capture starts
 *
 * Built without sanitizers: it is preloaded ahead of their runtimes
 * (ASAN_OPTIONS=verify_asan_link_order=0).
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

/* MMR_FAULT when it starts with KIND followed by ':' or its end, else NULL. */
static const char *fault(const char *kind)
{
	const char *f = getenv("MMR_FAULT");
	size_t n = strlen(kind);
	if (!f || strncmp(f, kind, n) != 0 || (f[n] != ':' && f[n] != '\0'))
		return NULL;
	return f[n] == ':' ? f + n + 1 : f + n;
}

static void *next(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);
	if (!fn) {
		fprintf(stderr, "faultinject: no %s to call\n", name);
		abort();
	}
	return fn;
}

int tracefs_event_enable(struct tracefs_instance *instance, const char *system, const char *event)
{
	static int (*real)(struct tracefs_instance *, const char *, const char *);
	const char *want = fault("enable");
	char name[256];
	snprintf(name, sizeof(name), "%s:%s", system ? system : "", event ? event : "");
	if (want && strcmp(want, name) == 0) {
		errno = EPERM;
		return -1;
	}
	if (!real)
		real = next("tracefs_event_enable");
	return real(instance, system, event);
}

int tracefs_instance_set_buffer_size(struct tracefs_instance *instance, size_t size, int cpu)
{
	static int (*real)(struct tracefs_instance *, size_t, int);
	if (fault("buffer")) {
		errno = ENOMEM;
		return -1;
	}
	if (!real)
		real = next("tracefs_instance_set_buffer_size");
	return real(instance, size, cpu);
}

/* Kill PID and wait until it has exited (a zombie of its parent's counts). */
static void make_vanish(const char *text)
{
	char path[64], buf[256];
	pid_t pid = (pid_t)atoi(text);
	if (pid <= 0 || kill(pid, SIGKILL) != 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "r");
		if (!f)
			return;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		const char *paren = strrchr(buf, ')');
		if (paren && (paren[2] == 'Z' || paren[2] == 'X'))
			return;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
}

int tracefs_instance_file_write(struct tracefs_instance *instance, const char *file, const char *str)
{
	static int (*real)(struct tracefs_instance *, const char *, const char *);
	if (fault("vanish") && file && strcmp(file, "set_event_pid") == 0 && str)
		make_vanish(str);
	if (!real)
		real = next("tracefs_instance_file_write");
	return real(instance, file, str);
}

/* True when FD is open on a path that ends in SUFFIX. */
static int fd_matches(int fd, const char *suffix)
{
	char link[64], path[4096];
	size_t slen = strlen(suffix);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return (size_t)n >= slen && strcmp(path + n - slen, suffix) == 0;
}

/*
 * Whether a write of COUNT bytes to FD is to fail: FD is the file of the
 * eio spec and the bytes would pass its limit.  Counts the bytes of those
 * that go ahead (WRITTEN is added by the caller once they did).
 */
static int should_fail(int fd, size_t count, unsigned long long **written)
{
	static unsigned long long total;
	static int failed;
	char suffix[256];
	int once = 0;
	const char *spec = fault("eio");
	if (!spec && (spec = fault("eio-once")))
		once = 1;
	const char *colon = spec ? strrchr(spec, ':') : NULL;
	*written = NULL;
	if (!colon || (once && failed))
		return 0;
	snprintf(suffix, sizeof(suffix), "%.*s", (int)(colon - spec), spec);
	if (!fd_matches(fd, suffix))
		return 0;
	if (total + count > strtoull(colon + 1, NULL, 10)) {
		failed = 1;
		errno = EIO;
		return 1;
	}
	*written = &total;
	return 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);
	unsigned long long *written;
	if (!real)
		real = next("write");
	if (should_fail(fd, count, &written))
		return -1;
	ssize_t k = real(fd, buf, count);
	if (written && k > 0)
		*written += (unsigned long long)k;
	return k;
}

/* The trace.dat spool goes through stdio, whose own writes cannot be caught. */
size_t fwrite(const void *buf, size_t size, size_t n, FILE *f)
{
	static size_t (*real)(const void *, size_t, size_t, FILE *);
	unsigned long long *written;
	if (!real)
		real = next("fwrite");
	if (should_fail(fileno(f), size * n, &written))
		return 0;
	size_t k = real(buf, size, n, f);
	if (written)
		*written += (unsigned long long)(k * size);
	return k;
}
