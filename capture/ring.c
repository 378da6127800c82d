/* SPDX-License-Identifier: MIT */
/*
 * ring.c - reading the instance's per-CPU ring buffers (trace_pipe_raw)
 * as raw pages, parsing them with libtraceevent's kbuffer into the sink,
 * and, for --trace-dat, keeping every page exactly as read in a per-CPU
 * spool file, which is what a trace.dat holds.
 *
 * Full pages are spliced out of the ring buffer, as many as a pipe holds
 * in one call, and read from the pipe in one more: the kernel hands the
 * pages over without copying their events, and two system calls serve
 * hundreds of pages.  (libtracefs 1.6's buffered read splices one page a
 * call; on a VM whose interrupt enable traps, the per-call cost was a
 * fifth of the capture's CPU.)  The page still being written is read
 * (a read() copies its events under the buffer's lock, and on a busy CPU
 * chases the writer) only where its CPU filled no page this round, has
 * held the trace's order back too long, or cannot be spliced.
 *
 * What makes it safe to write events in order while the capture runs:
 * each CPU's events come in timestamp order, so a CPU read up to an event
 * has nothing older left, and a CPU read to empty has nothing older than
 * the moment the read began, less a margin for an event being written
 * while it was read.  The oldest of those bounds is the watermark.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kbuffer.h>
#include <traceevent/event-parse.h>
#include <tracefs.h>

#include "cap_internal.h"

/* Pipe bytes asked for: 256 pages a splice.  An unprivileged run may get the default 64 KiB. */
#define RING_PIPE_BYTES (1u << 20)
/* Splices of one CPU in one round, at most: 8 MiB with the biggest pipe (the loop goes on at once). */
#define RING_SPLICES_PER_ROUND 8
/*
 * Reads of one CPU in one round, at most.  Each read() returns what has
 * been committed since the last, so on a CPU that keeps writing the reads
 * could chase its writer for as long as a read costs more than an event.
 */
#define RING_READS_PER_ROUND 64

/* The ring buffer's page (sub-buffer) size: the instance's, or the machine's page. */
static int ring_page_size(struct cap_instance *ci)
{
	int kb = 0;
	char *text = tracefs_instance_file_read(ci->inst, "buffer_subbuf_size_kb", NULL);
	if (text)
		kb = atoi(text);
	free(text);
	return kb > 0 ? kb * 1024 : (int)sysconf(_SC_PAGESIZE);
}

/* A pipe for CPU C's splices, as big as allowed; pipe[0] -1 when none can be made. */
static void open_pipe(struct cap_ring *r, struct cap_ring_cpu *c)
{
	if (pipe2(c->pipe, O_CLOEXEC) != 0) {
		c->pipe[0] = c->pipe[1] = -1;
		return;
	}
	fcntl(c->pipe[1], F_SETPIPE_SZ, (int)RING_PIPE_BYTES);
	int got = fcntl(c->pipe[1], F_GETPIPE_SZ);
	size_t bytes = got > 0 ? (size_t)got / (size_t)r->page_size * (size_t)r->page_size : 0;
	if (bytes == 0) {
		close(c->pipe[0]);
		close(c->pipe[1]);
		c->pipe[0] = c->pipe[1] = -1;
		return;
	}
	/* One read buffer serves every CPU: the smallest pipe decides each splice's size. */
	if (r->pipe_size == 0 || bytes < r->pipe_size)
		r->pipe_size = bytes;
}

int cap_ring_open(struct cap_ring *r, struct cap_instance *ci, struct tep_handle *tep, bool spool,
		  struct mmr_error *err)
{
	memset(r, 0, sizeof(*r));
	long n = sysconf(_SC_NPROCESSORS_CONF);
	r->ncpus = n > 0 ? (int)n : 1;
	r->page_size = ring_page_size(ci);
	r->cpu = calloc((size_t)r->ncpus, sizeof(*r->cpu));
	r->missed = calloc((size_t)r->ncpus, sizeof(*r->missed));
	r->spool = calloc((size_t)r->ncpus, sizeof(*r->spool));
	r->poll = calloc((size_t)r->ncpus, sizeof(*r->poll));
	r->kbuf = tep_kbuffer(tep);
	if (!r->cpu || !r->missed || !r->spool || !r->poll || !r->kbuf) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		goto fail;
	}
	for (int i = 0; i < r->ncpus; i++)
		r->cpu[i] = (struct cap_ring_cpu){.fd = -1, .pipe = {-1, -1}};
	int opened = 0;
	for (int i = 0; i < r->ncpus; i++) {
		struct cap_ring_cpu *c = &r->cpu[i];
		char file[64];
		snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", i);
		/* A possible but offline CPU may have no buffer to open; it records nothing. */
		errno = 0;
		c->fd = tracefs_instance_file_open(ci->inst, file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			snprintf(err->msg, sizeof(err->msg), "cannot open the ring buffer of CPU %d: %s", i,
				 strerror(errno));
			goto fail;
		}
		if (c->fd < 0)
			continue;
		opened++;
		r->poll[r->npoll++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
		open_pipe(r, c);
		if (spool && !(r->spool[i] = tmpfile())) {
			snprintf(err->msg, sizeof(err->msg), "cannot create a spool file for CPU %d: %s", i,
				 strerror(errno));
			goto fail;
		}
	}
	if (opened == 0 || r->page_size <= 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot open the ring buffers of tracing instance %s",
			 ci->name);
		goto fail;
	}
	size_t bytes = r->pipe_size > (size_t)r->page_size ? r->pipe_size : (size_t)r->page_size;
	r->buf = malloc(bytes);
	if (!r->buf) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		goto fail;
	}
	return 0;
fail:
	cap_ring_close(r);
	return -1;
}

/* Feed PAGE, read from CPU, to the sink.  Returns 0 or -1 (ERR). */
static int parse_page(struct cap_ring *r, int cpu, void *page, struct cap_sink *s, struct mmr_error *err)
{
	unsigned long long ts;
	if (kbuffer_load_subbuffer(r->kbuf, page) < 0)
		return 0; /* an empty or unreadable page carries no events */
	int missed = kbuffer_missed_events(r->kbuf);
	/* -1: events were lost but the kernel did not say how many; count at least one. */
	if (missed != 0)
		r->missed[cpu] += missed > 0 ? (uint64_t)missed : 1;
	struct cap_ring_cpu *c = &r->cpu[cpu];
	for (void *data = kbuffer_read_event(r->kbuf, &ts); data;
	     data = kbuffer_next_event(r->kbuf, &ts)) {
		int size = kbuffer_event_size(r->kbuf);
		/* Each CPU's events come in order: nothing older than one read is left there. */
		if (ts > c->done_ts)
			c->done_ts = ts;
		if (size > 0 && cap_sink_record(s, data, (size_t)size, ts, (uint32_t)cpu, err))
			return -1;
	}
	return 0;
}

/* Spool and parse the N bytes of whole pages at r->buf from CPU.  Returns 0 or -1 (ERR). */
static int take_pages(struct cap_ring *r, int cpu, size_t n, struct cap_sink *s, struct mmr_error *err)
{
	size_t ps = (size_t)r->page_size;
	for (size_t off = 0; off < n; off += ps) {
		/* The spool keeps whole pages: trace.dat readers step through it page by page. */
		if (r->spool[cpu] && fwrite(r->buf + off, ps, 1, r->spool[cpu]) != 1) {
			snprintf(err->msg, sizeof(err->msg), "cannot write the spool file of CPU %d: %s", cpu,
				 strerror(errno));
			return -1;
		}
		if (parse_page(r, cpu, r->buf + off, s, err))
			return -1;
	}
	return 0;
}

/* Read exactly N bytes of pipe FD into BUF.  Returns 0, or -1 (errno). */
static int read_all(int fd, uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t got = read(fd, buf, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		buf += got;
		n -= (size_t)got;
	}
	return 0;
}

/*
 * Splice CPU's full pages, a pipe's worth at a time, until none is left.
 * A kernel that refuses to splice the file leaves the CPU to read().
 * Returns the pages, or -1 (ERR).
 */
static long splice_full(struct cap_ring *r, int cpu, struct cap_sink *s, struct mmr_error *err)
{
	struct cap_ring_cpu *c = &r->cpu[cpu];
	long pages = 0;
	/* A bound per round, so that one CPU flooding its buffer cannot starve the others' reading. */
	for (int round = 0; round < RING_SPLICES_PER_ROUND && c->pipe[0] >= 0; round++) {
		ssize_t n = splice(c->fd, NULL, c->pipe[1], NULL, r->pipe_size, SPLICE_F_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN) {
				close(c->pipe[0]);
				close(c->pipe[1]);
				c->pipe[0] = c->pipe[1] = -1;
			}
			break;
		}
		if (read_all(c->pipe[0], r->buf, (size_t)n)) {
			snprintf(err->msg, sizeof(err->msg), "cannot read the pages of CPU %d from their pipe: %s",
				 cpu, strerror(errno));
			return -1;
		}
		if (take_pages(r, cpu, (size_t)n, s, err))
			return -1;
		pages += (long)((size_t)n / (size_t)r->page_size);
		if ((size_t)n < r->pipe_size)
			break;
	}
	return pages;
}

/*
 * read() CPU's pages, the one being written up to its last committed
 * event, until the buffer is empty (EAGAIN), at most RING_READS_PER_ROUND
 * times.  A read always returns a whole page, its header saying how much
 * of it holds events, so only EAGAIN says the buffer was empty.  *EMPTY:
 * whether it was seen so (otherwise the CPU's bound stays at the newest
 * event read, which parse_page keeps).  Returns the pages, or -1 (ERR).
 */
static long read_to_empty(struct cap_ring *r, int cpu, bool *empty, struct cap_sink *s,
			  struct mmr_error *err)
{
	struct cap_ring_cpu *c = &r->cpu[cpu];
	size_t ps = (size_t)r->page_size;
	long pages = 0;
	for (int k = 0; k < RING_READS_PER_ROUND; k++) {
		ssize_t n = read(c->fd, r->buf, ps);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*empty = n < 0 && errno == EAGAIN;
			break;
		}
		/* Whole pages are what the spool and kbuffer step through; a short read is padded. */
		if ((size_t)n < ps)
			memset(r->buf + n, 0, ps - (size_t)n);
		if (take_pages(r, cpu, ps, s, err))
			return -1;
		pages++;
	}
	return pages;
}

long cap_ring_drain(struct cap_ring *r, struct cap_sink *s, uint64_t now, uint64_t lag_ns,
		    uint64_t margin_ns, struct mmr_error *err)
{
	long pages = 0;
	uint64_t stale = now > lag_ns ? now - lag_ns : 0;
	uint64_t empty_at = now > margin_ns ? now - margin_ns : 0;
	for (int i = 0; i < r->ncpus; i++) {
		struct cap_ring_cpu *c = &r->cpu[i];
		if (c->fd < 0)
			continue;
		long n = splice_full(r, i, s, err);
		if (n < 0)
			return -1;
		pages += n;
		/*
		 * A CPU that filled pages is read up to them; its last page waits
		 * unless the CPU has held the order back for LAG_NS.  A quiet CPU
		 * (no full page this round) costs one short read, which keeps the
		 * watermark moving in small steps rather than LAG_NS jumps.
		 */
		if (lag_ns && c->pipe[0] >= 0 && n > 0 && c->done_ts >= stale)
			continue;
		bool empty = false;
		n = read_to_empty(r, i, &empty, s, err);
		if (n < 0)
			return -1;
		pages += n;
		if (empty && empty_at > c->done_ts)
			c->done_ts = empty_at;
	}
	return pages;
}

uint64_t cap_ring_watermark(const struct cap_ring *r)
{
	uint64_t mark = UINT64_MAX;
	for (int i = 0; i < r->ncpus; i++)
		if (r->cpu[i].fd >= 0 && r->cpu[i].done_ts < mark)
			mark = r->cpu[i].done_ts;
	return mark == UINT64_MAX ? 0 : mark;
}

void cap_ring_wait(struct cap_ring *r, uint64_t timeout_ns)
{
	int ms = (int)((timeout_ns + 999999) / 1000000);
	if (r->npoll == 0)
		nanosleep(&(struct timespec){0, (long)timeout_ns}, NULL);
	else
		poll(r->poll, (nfds_t)r->npoll, ms);
}

void cap_ring_close(struct cap_ring *r)
{
	for (int i = 0; r->cpu && i < r->ncpus; i++) {
		struct cap_ring_cpu *c = &r->cpu[i];
		if (c->fd >= 0)
			close(c->fd);
		if (c->pipe[0] >= 0) {
			close(c->pipe[0]);
			close(c->pipe[1]);
		}
	}
	for (int i = 0; r->spool && i < r->ncpus; i++)
		if (r->spool[i])
			fclose(r->spool[i]);
	if (r->kbuf)
		kbuffer_free(r->kbuf);
	free(r->cpu);
	free(r->missed);
	free(r->spool);
	free(r->poll);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
