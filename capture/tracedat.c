/* SPDX-License-Identifier: MIT */
/*
 * tracedat.c - write a live capture as a trace-cmd trace.dat (version 6,
 * man 5 trace-cmd.dat.v6), so trace-cmd report and KernelShark can open
 * captures made where `trace-cmd record` cannot run.
 *
 * The file is the kernel's own description of its ring buffer and events
 * (header_page, header_event, format files, kallsyms, printk formats,
 * saved cmdlines), then every CPU's raw ring-buffer pages exactly as the
 * capture read them, each CPU's run starting on a page boundary.  The
 * pages wait in per-CPU spool files (ring.c) until the capture ends and
 * their sizes are known.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "cap_internal.h"

struct dat {
	FILE *f;
	const char *path;
	struct mmr_error *err;
	bool failed;
	int error; /* errno of the first failure: later calls overwrite errno */
};

static void fail(struct dat *d)
{
	if (!d->failed)
		d->error = errno ? errno : EIO;
	d->failed = true;
}

static void put(struct dat *d, const void *p, size_t n)
{
	errno = 0;
	if (!d->failed && n && fwrite(p, n, 1, d->f) != 1)
		fail(d);
}

/* Numbers are little-endian: the header's endian byte says so, and so is every machine we run on. */
static void put_u16(struct dat *d, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(d, b, 2);
}

static void put_u32(struct dat *d, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(d, b, 4);
}

static void put_u64(struct dat *d, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(d, b, 8);
}

/* A tracefs file of the top instance, or an empty one when it cannot be read. */
static char *top_file(const char *name, int *size)
{
	char *text = tracefs_instance_file_read(NULL, name, size);
	if (!text)
		*size = 0;
	return text;
}

/* "NAME\0", u64 size, the contents of tracefs file events/NAME. */
static void put_header_file(struct dat *d, const char *name)
{
	char path[64];
	int size;
	snprintf(path, sizeof(path), "events/%s", name);
	char *text = top_file(path, &size);
	put(d, name, strlen(name) + 1);
	put_u64(d, (uint64_t)size);
	put(d, text, (size_t)size);
	free(text);
}

/* u32 count, then per event u64 size and its format file; only readable formats count. */
static void put_formats(struct dat *d, const char *system, const char *const *events, size_t n)
{
	char **text = calloc(n ? n : 1, sizeof(*text));
	int *size = calloc(n ? n : 1, sizeof(*size));
	uint32_t count = 0;
	if (!text || !size) {
		errno = ENOMEM;
		fail(d);
	} else {
		for (size_t i = 0; i < n; i++) {
			text[i] = tracefs_event_file_read(NULL, system, events[i], "format", &size[i]);
			count += text[i] != NULL;
		}
		put_u32(d, count);
		for (size_t i = 0; i < n; i++) {
			if (!text[i])
				continue;
			put_u64(d, (uint64_t)size[i]);
			put(d, text[i], (size_t)size[i]);
			free(text[i]);
		}
	}
	free(text);
	free(size);
}

static void put_ftrace_formats(struct dat *d)
{
	char **names = tracefs_system_events(NULL, "ftrace");
	size_t n = 0;
	while (names && names[n])
		n++;
	put_formats(d, "ftrace", (const char *const *)names, n);
	tracefs_list_free(names);
}

/* The systems of the enabled tracepoints, each with its enabled events. */
static void put_event_formats(struct dat *d, uint64_t enabled)
{
	const char *systems[MMR_CAP_COUNT * 4];
	size_t nsys = 0;
	for (size_t i = 0; i < mmr_capture_tracepoint_count() && i < 64; i++) {
		const struct mmr_capture_tracepoint *tp = mmr_capture_tracepoint_get(i);
		size_t s = 0;
		if (!(enabled & (1ull << i)))
			continue;
		while (s < nsys && strcmp(systems[s], tp->system) != 0)
			s++;
		if (s == nsys && nsys < sizeof(systems) / sizeof(systems[0]))
			systems[nsys++] = tp->system;
	}
	put_u32(d, (uint32_t)nsys);
	for (size_t s = 0; s < nsys; s++) {
		const char *events[64];
		size_t n = 0;
		for (size_t i = 0; i < mmr_capture_tracepoint_count() && i < 64; i++) {
			const struct mmr_capture_tracepoint *tp = mmr_capture_tracepoint_get(i);
			if ((enabled & (1ull << i)) && strcmp(tp->system, systems[s]) == 0)
				events[n++] = tp->event;
		}
		put(d, systems[s], strlen(systems[s]) + 1);
		put_formats(d, systems[s], events, n);
	}
}

/* The header: everything before the CPU data. */
static void put_header(struct dat *d, int page_size, int ncpus, uint64_t enabled,
		       const char *cmdlines)
{
	static const uint8_t magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
	size_t ksize = 0;
	int size;
	put(d, magic, sizeof(magic));
	put(d, "6", 2);
	put(d, "\0\10", 2); /* little-endian, 8-byte longs */
	put_u32(d, (uint32_t)page_size);
	put_header_file(d, "header_page");
	put_header_file(d, "header_event");
	put_ftrace_formats(d);
	put_event_formats(d, enabled);
	char *kallsyms = cap_slurp("/proc/kallsyms", &ksize);
	put_u32(d, (uint32_t)ksize);
	put(d, kallsyms, ksize);
	free(kallsyms);
	char *printk = top_file("printk_formats", &size);
	put_u32(d, (uint32_t)size);
	put(d, printk, (size_t)size);
	free(printk);
	size_t clen = cmdlines ? strlen(cmdlines) : 0;
	put_u64(d, (uint64_t)clen);
	put(d, cmdlines, clen);
	put_u32(d, (uint32_t)ncpus);
	put(d, "options  ", 10);
	put_u16(d, 0); /* no options */
	put(d, "flyrecord", 10);
}

/* Copy spool file SRC (rewound) to the output.  Returns its size. */
static uint64_t copy_spool(struct dat *d, FILE *src)
{
	char buf[65536];
	uint64_t total = 0;
	size_t n;
	rewind(src);
	while (!d->failed && (n = fread(buf, 1, sizeof(buf), src)) > 0) {
		put(d, buf, n);
		total += n;
	}
	if (ferror(src))
		fail(d);
	return total;
}

static uint64_t spool_size(FILE *f)
{
	if (!f || fseeko(f, 0, SEEK_END) != 0)
		return 0;
	off_t end = ftello(f);
	return end > 0 ? (uint64_t)end : 0;
}

int cap_tracedat_write(const char *path, struct cap_ring *r, uint64_t enabled, const char *cmdlines,
		       uint64_t *bytes, struct mmr_error *err)
{
	struct dat d = {.f = fopen(path, "wb"), .path = path, .err = err};
	if (!d.f) {
		snprintf(err->msg, sizeof(err->msg), "%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	put_header(&d, r->page_size, r->ncpus, enabled, cmdlines);
	/* The CPU table, then padding to the first page boundary after it. */
	uint64_t pos = (uint64_t)ftello(d.f) + 16ull * (uint64_t)r->ncpus;
	uint64_t ps = (uint64_t)r->page_size;
	uint64_t off = (pos + ps - 1) / ps * ps;
	for (int c = 0; c < r->ncpus; c++) {
		uint64_t size = spool_size(r->spool[c]);
		put_u64(&d, off);
		put_u64(&d, size);
		off += size;
	}
	static const char zeros[4096];
	for (uint64_t pad = (ps - pos % ps) % ps; pad > 0;) {
		size_t n = pad < sizeof(zeros) ? (size_t)pad : sizeof(zeros);
		put(&d, zeros, n);
		pad -= n;
	}
	for (int c = 0; c < r->ncpus; c++)
		if (r->spool[c])
			copy_spool(&d, r->spool[c]);
	errno = 0;
	if (fflush(d.f) != 0)
		fail(&d);
	*bytes = d.failed ? 0 : (uint64_t)ftello(d.f);
	errno = 0;
	if (fclose(d.f) != 0)
		fail(&d);
	if (d.failed) {
		snprintf(err->msg, sizeof(err->msg), "%s: write failed: %s", path, strerror(d.error));
		remove(path);
		return -1;
	}
	return 0;
}
