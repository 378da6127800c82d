/* SPDX-License-Identifier: MIT */
/*
 * ring.c - reading the instance's per-CPU ring buffers (trace_pipe_raw)
 * as raw pages, parsing them with libtraceevent's kbuffer into the sink,
 * and, for --trace-dat, keeping every page exactly as read in a per-CPU
 * spool file, which is what a trace.dat holds.
 *
 * Reads are non-blocking and return partial pages, so a reader that
 * drains every CPU has seen everything committed before it started: that
 * is what lets the capture loop write events in order while it runs.
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

int cap_ring_open(struct cap_ring *r, struct cap_instance *ci, struct tep_handle *tep, bool spool,
		  struct mmr_error *err)
{
	memset(r, 0, sizeof(*r));
	long n = sysconf(_SC_NPROCESSORS_CONF);
	r->ncpus = n > 0 ? (int)n : 1;
	r->tcpu = calloc((size_t)r->ncpus, sizeof(*r->tcpu));
	r->missed = calloc((size_t)r->ncpus, sizeof(*r->missed));
	r->spool = calloc((size_t)r->ncpus, sizeof(*r->spool));
	r->poll = calloc((size_t)r->ncpus, sizeof(*r->poll));
	r->kbuf = tep_kbuffer(tep);
	if (!r->tcpu || !r->missed || !r->spool || !r->poll || !r->kbuf) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		goto fail;
	}
	int opened = 0;
	for (int c = 0; c < r->ncpus; c++) {
		/* A possible but offline CPU may have no buffer to open; it records nothing. */
		r->tcpu[c] = tracefs_cpu_open(ci->inst, c, true);
		if (!r->tcpu[c])
			continue;
		opened++;
		char file[64];
		snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", c);
		/* Only waited on; a CPU that cannot be is still read every period. */
		int fd = tracefs_instance_file_open(ci->inst, file, O_RDONLY | O_NONBLOCK);
		if (fd >= 0)
			r->poll[r->npoll++] = (struct pollfd){.fd = fd, .events = POLLIN};
		if (r->page_size == 0)
			r->page_size = tracefs_cpu_read_size(r->tcpu[c]);
		if (spool && !(r->spool[c] = tmpfile())) {
			snprintf(err->msg, sizeof(err->msg), "cannot create a spool file for CPU %d: %s", c,
				 strerror(errno));
			goto fail;
		}
	}
	if (opened == 0 || r->page_size <= 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot open the ring buffers of tracing instance %s",
			 ci->name);
		goto fail;
	}
	r->page = malloc((size_t)r->page_size);
	if (!r->page) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		goto fail;
	}
	return 0;
fail:
	cap_ring_close(r);
	return -1;
}

/* Feed one page of CPU to the sink.  Returns 0 or -1 (ERR). */
static int parse_page(struct cap_ring *r, int cpu, struct cap_sink *s, struct mmr_error *err)
{
	unsigned long long ts;
	if (kbuffer_load_subbuffer(r->kbuf, r->page) < 0)
		return 0; /* an empty or unreadable page carries no events */
	int missed = kbuffer_missed_events(r->kbuf);
	/* -1: events were lost but the kernel did not say how many; count at least one. */
	if (missed != 0)
		r->missed[cpu] += missed > 0 ? (uint64_t)missed : 1;
	for (void *data = kbuffer_read_event(r->kbuf, &ts); data;
	     data = kbuffer_next_event(r->kbuf, &ts)) {
		int size = kbuffer_event_size(r->kbuf);
		if (size > 0 && cap_sink_record(s, data, (size_t)size, ts, (uint32_t)cpu, err))
			return -1;
	}
	return 0;
}

/*
 * One page of TCPU into PAGE: a full page by splice, which moves it out of
 * the ring buffer without a copy, else whatever partial page is left, so a
 * drain still ends with the buffer empty.  Returns the bytes, or <= 0 when
 * there is nothing.
 */
static int read_page(struct tracefs_cpu *tcpu, void *page)
{
	int n = tracefs_cpu_buffered_read(tcpu, page, true);
	return n > 0 ? n : tracefs_cpu_read(tcpu, page, true);
}

long cap_ring_drain(struct cap_ring *r, struct cap_sink *s, struct mmr_error *err)
{
	long pages = 0;
	for (int c = 0; c < r->ncpus; c++) {
		if (!r->tcpu[c])
			continue;
		int n;
		while ((n = read_page(r->tcpu[c], r->page)) > 0) {
			pages++;
			r->bytes += (uint64_t)n;
			/* The spool keeps whole pages: trace.dat readers step through it page by page. */
			if (n < r->page_size)
				memset((char *)r->page + n, 0, (size_t)(r->page_size - n));
			if (r->spool[c] && fwrite(r->page, (size_t)r->page_size, 1, r->spool[c]) != 1) {
				snprintf(err->msg, sizeof(err->msg), "cannot write the spool file of CPU %d: %s",
					 c, strerror(errno));
				return -1;
			}
			if (parse_page(r, c, s, err))
				return -1;
		}
	}
	r->pages += (uint64_t)pages;
	return pages;
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
	for (int i = 0; i < r->npoll; i++)
		close(r->poll[i].fd);
	for (int c = 0; r->tcpu && c < r->ncpus; c++)
		if (r->tcpu[c])
			tracefs_cpu_close(r->tcpu[c]);
	for (int c = 0; r->spool && c < r->ncpus; c++)
		if (r->spool[c])
			fclose(r->spool[c]);
	if (r->kbuf)
		kbuffer_free(r->kbuf);
	free(r->tcpu);
	free(r->missed);
	free(r->spool);
	free(r->poll);
	free(r->page);
	memset(r, 0, sizeof(*r));
}
