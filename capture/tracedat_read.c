/* SPDX-License-Identifier: MIT */
/*
 * tracedat_read.c - the header of a trace-cmd trace.dat, version 6
 * (man 5 trace-cmd.dat.v6) or 7 (trace-cmd.dat.v7), read and checked
 * into a struct cap_dat: the event formats in a libtraceevent handle, and
 * where each CPU's ring-buffer pages lie.  import_tracedat.c reads the
 * pages.
 *
 * libtracecmd is not used: it hands the file's event formats to
 * libtraceevent unchecked (a damaged print format divided by zero inside
 * it) and trusts option sizes (a CPUSTAT option of size 0 writes before
 * its buffer).  Here every offset, size and count is checked against the
 * file before it is used, every part of the tracing data goes through
 * tracing_data.c's checks, and every failure is one error line naming
 * the offset.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <zstd.h>

#include "cap_internal.h"

#define DAT_MAX_CPUS 8192 /* what a trace's events can name (docs/trace-format.md) */
#define DAT_MAX_SECTION (256u << 20) /* a decompressed section; the tracing data's limit */
#define DAT_MAX_OPTION_SECTIONS 4096 /* a chain of options sections longer is a loop */

/* Option and section ids (trace-cmd.dat.v7). */
enum {
	OPT_DONE = 0, OPT_BUFFER = 3, OPT_CPUCOUNT = 8, OPT_TSC2NSEC = 14,
	OPT_HEADER_INFO = 16, OPT_CMDLINES = 21, OPT_BUFFER_TEXT = 22,
};

/* A read position in the mapped file. */
struct dat_cur {
	const uint8_t *buf;
	size_t len, pos;
	const char *file;
	struct mmr_error *err;
};

__attribute__((format(printf, 3, 4))) static int dat_fail(struct dat_cur *c, uint64_t at, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	mmr_error_at(c->err, c->file, at, "%s", what);
	return -1;
}

/* Check that N bytes remain for WHAT. */
static int cur_need(struct dat_cur *c, uint64_t n, const char *what)
{
	if (n <= c->len - c->pos)
		return 0;
	return dat_fail(c, c->pos, "truncated in %s: %llu bytes needed, %zu left", what, (unsigned long long)n,
			c->len - c->pos);
}

/* A NUL-terminated string of at most MAX bytes for WHAT; *S points into the buffer. */
static int cur_string(struct dat_cur *c, size_t max, const char *what, const char **s)
{
	size_t left = c->len - c->pos, lim = left < max ? left : max;
	const uint8_t *nul = memchr(c->buf + c->pos, 0, lim);
	if (!nul)
		return dat_fail(c, c->pos, lim == left ? "truncated in %s: no terminating NUL" : "%s longer than %zu bytes",
				what, max);
	*s = (const char *)c->buf + c->pos;
	c->pos = (size_t)(nul - c->buf) + 1;
	return 0;
}

/* CPU number CPU with data {OFF, SIZE} (described at AT) into D->cpus, checked against the file. */
static int add_cpu(struct cap_dat *d, struct dat_cur *c, uint64_t at, uint32_t cpu, uint64_t off, uint64_t size)
{
	if (cpu >= DAT_MAX_CPUS)
		return dat_fail(c, at, "CPU %u out of range 0..%d (corrupt)", cpu, DAT_MAX_CPUS - 1);
	if (off > d->len || size > d->len - off)
		return dat_fail(c, at, "CPU %u's data (%llu bytes at %llu) is not within the file (corrupt or truncated)",
				cpu, (unsigned long long)size, (unsigned long long)off);
	for (size_t i = 0; i < d->ncpus; i++)
		if (d->cpus[i].cpu == cpu)
			return dat_fail(c, at, "CPU %u has data twice (corrupt)", cpu);
	if (!size)
		return 0;
	d->cpus[d->ncpus++] = (struct cap_dat_cpu){.cpu = cpu, .off = off, .size = size};
	return 0;
}

static int alloc_cpus(struct cap_dat *d, struct dat_cur *c, uint64_t n)
{
	free(d->cpus);
	d->ncpus = 0;
	d->cpus = calloc(n ? n : 1, sizeof(*d->cpus));
	return d->cpus ? 0 : dat_fail(c, c->pos, "out of memory for %llu CPUs", (unsigned long long)n);
}

/* TSC2NSEC's data: the multiplier and shift that make TSC cycles nanoseconds. */
static void tsc2nsec(struct cap_dat *d, const uint8_t *p, uint32_t size)
{
	if (size >= 16 && cap_rd32(p) && cap_rd32(p + 4) < 64) {
		d->tsc_mult = cap_rd32(p);
		d->tsc_shift = cap_rd32(p + 4);
	}
}

/* ---- version 6 ---------------------------------------------------------------- */

/* After the tracing data: CPU count, options, and the flyrecord CPU table. */
static int read_v6_tail(struct cap_dat *d, struct dat_cur *c)
{
	if (cur_need(c, 4, "the CPU count"))
		return -1;
	uint32_t cpus = cap_rd32(c->buf + c->pos);
	if (cpus < 1 || cpus > DAT_MAX_CPUS)
		return dat_fail(c, c->pos, "CPU count %u out of range 1..%d (corrupt)", cpus, DAT_MAX_CPUS);
	d->nr_cpus = cpus;
	c->pos += 4;
	if (cur_need(c, 10, "the data kind"))
		return -1;
	if (memcmp(c->buf + c->pos, "options  ", 10) == 0) {
		c->pos += 10;
		for (;;) {
			if (cur_need(c, 2, "the options"))
				return -1;
			uint16_t id = cap_rd16(c->buf + c->pos);
			c->pos += 2;
			if (id == OPT_DONE)
				break;
			if (cur_need(c, 4, "an option size"))
				return -1;
			uint32_t size = cap_rd32(c->buf + c->pos);
			c->pos += 4;
			if (cur_need(c, size, "an option"))
				return -1;
			if (id == OPT_TSC2NSEC)
				tsc2nsec(d, c->buf + c->pos, size);
			c->pos += size;
		}
		if (cur_need(c, 10, "the data kind"))
			return -1;
	}
	if (memcmp(c->buf + c->pos, "flyrecord", 10) != 0)
		return dat_fail(c, c->pos, "no flyrecord data (a latency trace, or corrupt)");
	c->pos += 10;
	if (cur_need(c, (uint64_t)cpus * 16, "the CPU data table") || alloc_cpus(d, c, cpus))
		return -1;
	for (uint32_t i = 0; i < cpus; i++, c->pos += 16)
		if (add_cpu(d, c, c->pos, i, cap_rd64(c->buf + c->pos), cap_rd64(c->buf + c->pos + 8)))
			return -1;
	return 0;
}

static int read_v6(struct cap_dat *d, struct dat_cur *c)
{
	struct cap_tdata_info info;
	d->tep = cap_tracing_data_parse(c->buf, c->len, c->file, 0, &info, c->err);
	if (!d->tep)
		return -1;
	c->pos = info.used;
	return read_v6_tail(d, c);
}

/* ---- version 7 ---------------------------------------------------------------- */

/* What the options sections said. */
struct v7 {
	uint64_t section[OPT_CMDLINES - OPT_HEADER_INFO + 1]; /* the tracing data's sections; 0: absent */
	uint64_t buffer;          /* the top instance's flyrecord section; 0: none */
	bool latency;
	const char *zname;        /* the compression algorithm */
	uint8_t *unpacked;        /* the options section being read, decompressed */
};

/*
 * A section's content: the section header at OFF (id ID), then its bytes,
 * decompressed when its flag says so (into *OWNED, which the caller frees).
 * *PACKED: whether it was.
 */
static int section(struct cap_dat *d, struct dat_cur *c, const struct v7 *v, uint64_t off, uint16_t id,
		   const uint8_t **body, size_t *len, uint8_t **owned, bool *packed)
{
	*owned = NULL;
	c->pos = off <= c->len ? (size_t)off : c->len;
	if (off > c->len || cur_need(c, 16, "a section header"))
		return off > c->len ? dat_fail(c, off, "a section at %llu is past the end of the file (truncated or "
					       "corrupt)", (unsigned long long)off) : -1;
	uint16_t got = cap_rd16(c->buf + off), flags = cap_rd16(c->buf + off + 2);
	uint64_t size = cap_rd64(c->buf + off + 8);
	if (got != id)
		return dat_fail(c, off, "section %u found where section %u should be (corrupt)", got, id);
	c->pos += 16;
	if (cur_need(c, size, "a section"))
		return -1;
	*body = c->buf + c->pos;
	*len = (size_t)size;
	*packed = flags & 1;
	if (!*packed || id == OPT_BUFFER)
		return 0;
	if (strcmp(v->zname, "zstd") != 0)
		return dat_fail(c, off, "compressed with '%.40s': this build reads zstd", v->zname);
	if (size < 8)
		return dat_fail(c, off, "compressed section of %llu bytes (corrupt)", (unsigned long long)size);
	uint32_t zsize = cap_rd32(*body), usize = cap_rd32(*body + 4);
	if (zsize > size - 8 || usize > DAT_MAX_SECTION)
		return dat_fail(c, off, "compressed section sizes %u and %u do not fit (corrupt)", zsize, usize);
	*owned = malloc(usize ? usize : 1);
	if (!*owned)
		return dat_fail(c, off, "out of memory decompressing %u bytes", usize);
	size_t n = ZSTD_decompress(*owned, usize, *body + 8, zsize);
	if (ZSTD_isError(n) || n != usize)
		return dat_fail(c, off, "section does not decompress to its %u bytes (corrupt)", usize);
	*body = *owned;
	*len = usize;
	(void)d;
	return 0;
}

/* BUFFER's data: the top instance's flyrecord section and its CPUs. */
static int buffer_option(struct cap_dat *d, struct dat_cur *c, struct v7 *v, const uint8_t *p, uint32_t size,
			 uint64_t at, bool text)
{
	struct dat_cur o = {.buf = p, .len = size, .file = c->file, .err = c->err};
	const char *name, *clock;
	if (size < 8 || (o.pos = 8, cur_string(&o, 256, "a buffer's name", &name)))
		return dat_fail(c, at, "a buffer option of %u bytes is malformed (corrupt)", size);
	if (*name)
		return 0; /* another instance: only the top one is imported */
	if (text) {
		v->latency = true;
		return 0;
	}
	if (cur_string(&o, 256, "a buffer's clock", &clock) || o.len - o.pos < 8)
		return dat_fail(c, at, "a buffer option of %u bytes is malformed (corrupt)", size);
	uint32_t page = cap_rd32(p + o.pos), n = cap_rd32(p + o.pos + 4);
	o.pos += 8;
	if (page != d->page_size)
		return dat_fail(c, at, "the buffer's page size %u is not the file's %u (corrupt)", page, d->page_size);
	if (n > DAT_MAX_CPUS || (uint64_t)n * 20 > o.len - o.pos)
		return dat_fail(c, at, "%u CPUs do not fit a buffer option of %u bytes (corrupt)", n, size);
	v->buffer = cap_rd64(p);
	return alloc_cpus(d, c, n);
}

/* The CPUs of the top instance's BUFFER option P (checked by buffer_option). */
static int buffer_cpus(struct cap_dat *d, struct dat_cur *c, const uint8_t *p, uint64_t at)
{
	const uint8_t *q = p + 8;
	q += strlen((const char *)q) + 1;
	q += strlen((const char *)q) + 1;
	uint32_t n = cap_rd32(q + 4);
	q += 8;
	for (uint32_t i = 0; i < n; i++, q += 20)
		if (add_cpu(d, c, at, cap_rd32(q), cap_rd64(q + 4), cap_rd64(q + 12)))
			return -1;
	return 0;
}

/* One options section's options; *NEXT: the next section's offset (DONE), 0 for none. */
static int options(struct cap_dat *d, struct dat_cur *c, struct v7 *v, const uint8_t *p, size_t len, uint64_t at,
		   uint64_t *next)
{
	for (size_t pos = 0;;) {
		if (len - pos < 6)
			return dat_fail(c, at, "an options section ends without its DONE option (corrupt)");
		uint16_t id = cap_rd16(p + pos);
		uint32_t size = cap_rd32(p + pos + 2);
		pos += 6;
		if (size > len - pos)
			return dat_fail(c, at, "option %u of %u bytes overruns its section (corrupt)", id, size);
		const uint8_t *o = p + pos;
		pos += size;
		if (id == OPT_DONE) {
			if (size < 8)
				return dat_fail(c, at, "DONE option of %u bytes (corrupt)", size);
			*next = cap_rd64(o);
			return 0;
		}
		if (id >= OPT_HEADER_INFO && id <= OPT_CMDLINES && size >= 8)
			v->section[id - OPT_HEADER_INFO] = cap_rd64(o);
		else if (id == OPT_CPUCOUNT && size >= 4 && cap_rd32(o) >= 1 && cap_rd32(o) <= DAT_MAX_CPUS)
			d->nr_cpus = cap_rd32(o);
		else if (id == OPT_TSC2NSEC)
			tsc2nsec(d, o, size);
		else if ((id == OPT_BUFFER || id == OPT_BUFFER_TEXT) &&
			 (buffer_option(d, c, v, o, size, at, id == OPT_BUFFER_TEXT) ||
			  (id == OPT_BUFFER && size >= 9 && !o[8] && buffer_cpus(d, c, o, at))))
			return -1;
	}
}

/* Every options section, from the offset after the compression header. */
static int read_options(struct cap_dat *d, struct dat_cur *c, struct v7 *v, uint64_t off)
{
	for (unsigned n = 0; off; n++) {
		const uint8_t *body;
		size_t len;
		bool packed;
		if (n == DAT_MAX_OPTION_SECTIONS)
			return dat_fail(c, off, "more than %d options sections: a loop (corrupt)", DAT_MAX_OPTION_SECTIONS);
		int rc = section(d, c, v, off, OPT_DONE, &body, &len, &v->unpacked, &packed) ||
			 options(d, c, v, body, len, off, &off);
		free(v->unpacked);
		v->unpacked = NULL;
		if (rc)
			return -1;
	}
	return 0;
}

/* The tracing data's sections, in their order, through tracing_data.c's checks. */
static int read_tracing_sections(struct cap_dat *d, struct dat_cur *c, const struct v7 *v)
{
	static const char *const names[] = {"header info", "ftrace event formats", "event formats", "kallsyms",
					    "printk formats", "saved cmdlines"};
	struct cap_tdata_info info = {0};
	for (int s = 0; s <= OPT_CMDLINES - OPT_HEADER_INFO; s++) {
		const uint8_t *body;
		uint8_t *owned;
		size_t len;
		bool packed;
		uint64_t off = v->section[s];
		if (s == CAP_TD_SYSTEMS)
			d->formats_off = off;
		if (!off) {
			if (s == 0 || s == 2)
				return dat_fail(c, 0, "no %s section: not a trace this build can read", names[s]);
			continue;
		}
		int rc = section(d, c, v, off, (uint16_t)(OPT_HEADER_INFO + s), &body, &len, &owned, &packed);
		if (!rc)
			rc = cap_tracing_data_part(d->tep, (enum cap_td_part)s, body, len, c->file,
						   packed ? off : off + 16, packed, &info, c->err);
		free(owned);
		if (rc)
			return -1;
	}
	return 0;
}

static int read_v7(struct cap_dat *d, struct dat_cur *c)
{
	struct v7 v = {0};
	const char *version;
	c->pos = 18;
	if (cur_string(c, 64, "the compression name", &v.zname) || cur_string(c, 64, "the compression version", &version) ||
	    cur_need(c, 8, "the options offset"))
		return -1;
	uint64_t first = cap_rd64(c->buf + c->pos);
	if (strcmp(v.zname, "none") && strcmp(v.zname, "zstd"))
		return dat_fail(c, 18, "compressed with '%.40s': this build reads zstd", v.zname);
	d->tep = tep_alloc();
	if (!d->tep)
		return dat_fail(c, 0, "out of memory");
	tep_set_file_bigendian(d->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(d->tep, d->long_size);
	tep_set_page_size(d->tep, (int)d->page_size);
	if (read_options(d, c, &v, first) || read_tracing_sections(d, c, &v))
		return -1;
	if (v.latency)
		return dat_fail(c, 0, "a latency trace (no flyrecord data): not a trace this build can read");
	if (!v.buffer)
		return dat_fail(c, 0, "no flyrecord data for the top instance (corrupt)");
	const uint8_t *body;
	uint8_t *owned;
	size_t len;
	bool packed;
	if (section(d, c, &v, v.buffer, OPT_BUFFER, &body, &len, &owned, &packed))
		return -1;
	d->compressed = packed;
	if (packed && strcmp(v.zname, "zstd"))
		return dat_fail(c, v.buffer, "compressed with '%.40s': this build reads zstd", v.zname);
	return 0;
}

/* ---- both ----------------------------------------------------------------------- */

/* Magic, version, byte order, long and page size, then the version's own layout. */
static int read_header(struct cap_dat *d, struct dat_cur *c)
{
	static const uint8_t magic[10] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
	if (cur_need(c, 18, "the file header"))
		return -1;
	if (memcmp(c->buf, magic, sizeof(magic)) != 0)
		return dat_fail(c, 0, "not a trace.dat (bad magic)");
	const char *version = (const char *)c->buf + 10;
	bool v6 = memcmp(version, "6", 2) == 0, v7 = memcmp(version, "7", 2) == 0;
	if (!v6 && !v7)
		return dat_fail(c, 10, "trace.dat version '%.1s' is not 6 or 7", isprint((unsigned char)version[0]) ? version : "?");
	uint8_t big = c->buf[12], lsize = c->buf[13];
	uint32_t page = cap_rd32(c->buf + 14);
	if (big > 1 || (lsize != 4 && lsize != 8) || page < 4096 || page > (1u << 20) || (page & (page - 1)))
		return dat_fail(c, 12, "bad header: endian %u, long size %u, page size %u (corrupt)", big, lsize, page);
	if (big)
		return dat_fail(c, 12, "big-endian trace.dat files are not supported");
	d->page_size = page;
	d->long_size = lsize;
	if (v6 ? read_v6(d, c) : read_v7(d, c))
		return -1;
	for (size_t i = 0; i < d->ncpus; i++) {
		const struct cap_dat_cpu *p = &d->cpus[i];
		if (!d->compressed && p->size % page)
			return dat_fail(c, p->off, "CPU %u's data is %llu bytes, not whole %u-byte pages (corrupt)", p->cpu,
					(unsigned long long)p->size, page);
		/* Compressed, the chunks' count comes before the size given (import_tracedat.c). */
		if (d->compressed && d->len - p->off - p->size < 4)
			return dat_fail(c, p->off, "CPU %u's data ends past the file (truncated or corrupt)", p->cpu);
		if (p->cpu >= d->nr_cpus)
			d->nr_cpus = p->cpu + 1;
	}
	if (!d->nr_cpus)
		d->nr_cpus = 1;
	/* The pages are read with header_page's layout: it must describe one. */
	if (tep_get_header_page_size(d->tep) <= 0 || tep_get_header_timestamp_size(d->tep) != 8)
		return dat_fail(c, 12, "header_page does not describe a ring-buffer page (corrupt)");
	if (tep_is_old_format(d->tep))
		return dat_fail(c, 12, "the ring buffer format of Linux 2.6.30 and before is not supported");
	return 0;
}

int cap_dat_open(struct cap_dat *d, const char *file, struct mmr_error *err)
{
	struct stat st;
	memset(d, 0, sizeof(*d));
	d->file = file;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		mmr_error_at(err, file, 0, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->len = (size_t)st.st_size;
	void *map = d->len ? mmap(NULL, d->len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (map == MAP_FAILED) {
		mmr_error_at(err, file, 0, d->len ? "cannot map: %s" : "empty file", strerror(errno));
		d->len = 0;
		return -1;
	}
	d->map = map;
	struct dat_cur c = {.buf = d->map, .len = d->len, .file = file, .err = err};
	if (read_header(d, &c)) {
		cap_dat_close(d);
		return -1;
	}
	return 0;
}

void cap_dat_close(struct cap_dat *d)
{
	if (d->tep)
		tep_free(d->tep);
	if (d->map)
		munmap((void *)d->map, d->len);
	free(d->cpus);
	memset(d, 0, sizeof(*d));
}
