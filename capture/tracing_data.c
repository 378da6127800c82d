/* SPDX-License-Identifier: MIT */
/*
 * tracing_data.c - the "tracing data" block: the kernel's event formats as
 * perf stores them (perf.data feature HEADER_TRACING_DATA) and as the first
 * part of a trace-cmd trace.dat (version 6), read into a libtraceevent
 * handle so the sink can decode raw records with the recorded kernel's own
 * field layout.
 *
 * Layout, all sizes in the byte order the block declares:
 *
 *   0x17 0x08 0x44 "tracing"  version "0.6\0"  endian(1)  long size(1)
 *   u32 page size
 *   "header_page\0"  u64 size + text
 *   "header_event\0" u64 size + text
 *   u32 n, n x (u64 size + ftrace event format)
 *   u32 n, n x (system name\0, u32 m, m x (u64 size + event format))
 *   u32 size + kallsyms    u32 size + printk formats
 *   (version >= 0.6) u64 size + saved cmdlines
 *
 * The block comes from a file we do not trust: every count and size is
 * checked against what is left before it is used, so a truncated or
 * hostile block is one error line, never an overrun or a huge allocation.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "cap_internal.h"

static const uint8_t td_magic[10] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};

/* A read position in the block, and where errors go. */
struct td_cur {
	const uint8_t *buf;
	size_t len, pos;
	bool big;             /* the block's byte order */
	const char *file;
	uint64_t base;        /* file offset of buf[0], or of the compressed section it came from */
	bool packed;          /* buf was decompressed: offsets in it are not the file's */
	struct mmr_error *err;
};

__attribute__((format(printf, 2, 3))) static int td_fail(struct td_cur *c, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->packed)
		mmr_error_at(c->err, c->file, c->base, "tracing data: %s (byte %zu of the decompressed section)", what,
			     c->pos);
	else
		mmr_error_at(c->err, c->file, c->base + c->pos, "tracing data: %s", what);
	return -1;
}

/* S for a message: its bytes that are not printable ASCII shown as '?', so the message stays one line. */
static const char *td_show(const char *s, char *buf, size_t n)
{
	size_t i = 0;
	for (; s[i] && i + 1 < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Check that N more bytes are there for WHAT. */
static int td_need(struct td_cur *c, uint64_t n, const char *what)
{
	if (n <= c->len - c->pos)
		return 0;
	return td_fail(c, "truncated: %s needs %llu bytes, %zu left", what,
		       (unsigned long long)n, c->len - c->pos);
}

static uint64_t td_num(const struct td_cur *c, size_t size)
{
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++) {
		uint8_t b = c->buf[c->pos + i];
		v |= (uint64_t)b << (8 * (c->big ? size - 1 - i : i));
	}
	return v;
}

static int td_u32(struct td_cur *c, const char *what, uint64_t *v)
{
	if (td_need(c, 4, what))
		return -1;
	*v = td_num(c, 4);
	c->pos += 4;
	return 0;
}

static int td_u64(struct td_cur *c, const char *what, uint64_t *v)
{
	if (td_need(c, 8, what))
		return -1;
	*v = td_num(c, 8);
	c->pos += 8;
	return 0;
}

/* A NUL-terminated string of at most MAX bytes at the cursor; *S points into the block. */
static int td_string(struct td_cur *c, size_t max, const char *what, const char **s)
{
	size_t left = c->len - c->pos, lim = left < max ? left : max;
	const uint8_t *nul = memchr(c->buf + c->pos, 0, lim);
	if (!nul)
		return lim == left ? td_fail(c, "truncated: %s has no terminating NUL", what)
				   : td_fail(c, "%s longer than %zu bytes", what, max);
	*s = (const char *)c->buf + c->pos;
	c->pos += (size_t)(nul - (c->buf + c->pos)) + 1;
	return 0;
}

/*
 * A size-prefixed text (SIZE_BYTES 4 or 8) copied out with a terminating
 * NUL, as libtraceevent's parsers want C strings.  *TEXT is malloc'ed.
 */
static int td_text(struct td_cur *c, size_t size_bytes, const char *what, char **text, size_t *n)
{
	uint64_t size;
	if ((size_bytes == 4 ? td_u32(c, what, &size) : td_u64(c, what, &size)) ||
	    td_need(c, size, what))
		return -1;
	*text = malloc((size_t)size + 1);
	if (!*text)
		return td_fail(c, "out of memory reading %s of %llu bytes", what,
			       (unsigned long long)size);
	memcpy(*text, c->buf + c->pos, (size_t)size);
	(*text)[size] = '\0';
	*n = (size_t)size;
	c->pos += (size_t)size;
	return 0;
}

/* Magic, version, endianness, long size and page size. */
static int td_preamble(struct td_cur *c, struct tep_handle *tep, struct cap_tdata_info *info)
{
	const char *ver;
	uint64_t page;
	if (td_need(c, sizeof(td_magic), "the magic"))
		return -1;
	if (memcmp(c->buf, td_magic, sizeof(td_magic)) != 0)
		return td_fail(c, "bad magic (not a tracing data block)");
	c->pos += sizeof(td_magic);
	if (td_string(c, sizeof(info->version) - 1, "the version string", &ver))
		return -1;
	snprintf(info->version, sizeof(info->version), "%s", ver);
	/* perf writes 0.5 or 0.6; trace-cmd 6 has this layout; 7 does not. */
	if (strcmp(ver, "0.5") && strcmp(ver, "0.6") && strcmp(ver, "6")) {
		char shown[sizeof(info->version)];
		c->pos -= strlen(ver) + 1;
		return td_fail(c, "unsupported version '%s' (this build reads 0.5, 0.6 and 6)",
			       td_show(ver, shown, sizeof(shown)));
	}
	info->has_cmdlines = strcmp(ver, "0.5") != 0;
	if (td_need(c, 2, "endianness and long size"))
		return -1;
	uint8_t endian = c->buf[c->pos], lsize = c->buf[c->pos + 1];
	if (endian > 1)
		return td_fail(c, "endianness byte %u is neither 0 (little) nor 1 (big)", endian);
	c->pos++;
	if (lsize != 4 && lsize != 8)
		return td_fail(c, "long size %u is neither 4 nor 8", lsize);
	c->pos++;
	c->big = endian == 1;
	info->big_endian = c->big;
	info->long_size = lsize;
	if (td_u32(c, "the page size", &page))
		return -1;
	if (page < 1024 || page > (1u << 24) || (page & (page - 1))) {
		c->pos -= 4;
		return td_fail(c, "implausible page size %llu", (unsigned long long)page);
	}
	info->page_size = (uint32_t)page;
	tep_set_file_bigendian(tep, c->big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, lsize);
	tep_set_page_size(tep, (int)page);
	return 0;
}

/*
 * True when TEXT[0..N) is what the kernel prints in a format file: tabs,
 * newlines and printable ASCII.  libtraceevent's parser trusts its input
 * (a stray 0xff in a print format crashes it), so binary damage stops here.
 */
static bool td_plain_text(const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch != '\t' && ch != '\n' && (ch < 0x20 || ch > 0x7e))
			return false;
	}
	return true;
}

/* "header_page" and "header_event": the ring buffer's page and record headers. */
static int td_headers(struct td_cur *c, struct tep_handle *tep, const struct cap_tdata_info *info)
{
	static const char *const labels[2] = {"header_page", "header_event"};
	for (int i = 0; i < 2; i++) {
		size_t at = c->pos, n;
		const char *label;
		char *text;
		if (td_string(c, 32, labels[i], &label))
			return -1;
		if (strcmp(label, labels[i]) != 0) {
			c->pos = at;
			return td_fail(c, "expected '%s'", labels[i]);
		}
		if (td_text(c, 8, labels[i], &text, &n))
			return -1;
		if (!td_plain_text(text, n)) {
			free(text);
			c->pos = at;
			return td_fail(c, "%s is not text (corrupt)", labels[i]);
		}
		/* header_event only describes the ring buffer's record encoding, which perf does not use. */
		int rc = i == 0 ? tep_parse_header_page(tep, text, n, info->long_size) : 0;
		free(text);
		if (rc) {
			c->pos = at;
			return td_fail(c, "header_page does not parse");
		}
	}
	return 0;
}

/*
 * TEXT[0..N) with its print format replaced by an empty one; returns the
 * new length (TEXT has room: the replacement is never longer).  The
 * decoders read the fields only, and libtraceevent evaluates parts of a
 * print format while parsing it: a damaged one divides by zero (1.7.1).
 */
static size_t td_without_print_fmt(char *text, size_t n)
{
	static const char empty[] = "\nprint fmt: \"\"\n";
	const char *p = memmem(text, n, "\nprint fmt:", 11);
	if (!p || (size_t)(p - text) + sizeof(empty) - 1 > n)
		return n;
	size_t at = (size_t)(p - text);
	memcpy(text + at, empty, sizeof(empty));
	return at + sizeof(empty) - 1;
}

/* One event format of SYSTEM, the I-th of its kind. */
static int td_event(struct td_cur *c, struct tep_handle *tep, const char *sys, uint64_t i,
		    struct cap_tdata_info *info)
{
	size_t at = c->pos, n;
	char *text, what[96];
	snprintf(what, sizeof(what), "format %llu of system '%.40s'", (unsigned long long)i, sys);
	if (td_text(c, 8, what, &text, &n))
		return -1;
	if (!td_plain_text(text, n)) {
		free(text);
		c->pos = at;
		return td_fail(c, "%s is not text (corrupt)", what);
	}
	n = td_without_print_fmt(text, n);
	enum tep_errno rc = tep_parse_event(tep, text, n, sys);
	free(text);
	if (rc != 0) {
		char msg[128];
		tep_strerror(tep, rc, msg, sizeof(msg));
		c->pos = at;
		return td_fail(c, "%s does not parse: %s", what, msg);
	}
	info->nr_events++;
	return 0;
}

/* A count of items that take at least MIN_EACH bytes each: it cannot exceed what is left. */
static int td_count(struct td_cur *c, const char *what, size_t min_each, uint64_t *n)
{
	if (td_u32(c, what, n))
		return -1;
	if (*n > (c->len - c->pos) / min_each) {
		c->pos -= 4;
		return td_fail(c, "%s %llu does not fit in the %zu bytes left (truncated or corrupt)", what,
			       (unsigned long long)*n, c->len - c->pos - 4);
	}
	return 0;
}

/* The ftrace formats. */
static int td_ftrace(struct td_cur *c, struct tep_handle *tep, struct cap_tdata_info *info)
{
	uint64_t n;
	if (td_count(c, "the count of ftrace formats", 8, &n))
		return -1;
	for (uint64_t i = 0; i < n; i++)
		if (td_event(c, tep, "ftrace", i, info))
			return -1;
	return 0;
}

/* Every event system's formats. */
static int td_systems(struct td_cur *c, struct tep_handle *tep, struct cap_tdata_info *info)
{
	uint64_t nsys;
	if (td_count(c, "the count of event systems", 5, &nsys))
		return -1;
	for (uint64_t s = 0; s < nsys; s++) {
		const char *sys;
		uint64_t nev;
		size_t at = c->pos;
		if (td_string(c, 256, "an event system name", &sys))
			return -1;
		/* The kernel's system names are words ("kmem", "xhci-hcd"); messages and decoders quote them. */
		if (!*sys || strspn(sys, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(sys)) {
			c->pos = at;
			return td_fail(c, "event system name is not a word (corrupt)");
		}
		if (td_count(c, "the count of the system's formats", 8, &nev))
			return -1;
		for (uint64_t i = 0; i < nev; i++)
			if (td_event(c, tep, sys, i, info))
				return -1;
	}
	return 0;
}

/*
 * Where byte N of TEXT[0..LEN) has no business in a text libtraceevent
 * reads as a C string: a NUL would cut it short, silently.  LEN if none.
 */
static size_t td_nul_at(const char *text, size_t len)
{
	const char *nul = memchr(text, 0, len);
	return nul ? (size_t)(nul - text) : len;
}

/*
 * Whether LINE[0..N) is what the kernel prints in printk_formats:
 * "0xADDRESS : "FORMAT"".  tep_parse_printk_formats() trusts the shape: it
 * reads past a line without a ':', and tep_register_print_string() reads
 * before a format shorter than 3 bytes (1.7.1).
 */
static bool td_printk_line(const char *line, size_t n)
{
	size_t i = 2;
	if (n < 2 || line[0] != '0' || (line[1] != 'x' && line[1] != 'X'))
		return false;
	while (i < n && strchr("0123456789abcdefABCDEF", line[i]) && line[i])
		i++;
	if (i == 2 || n - i < 3 || memcmp(line + i, " : ", 3) != 0)
		return false;
	i += 3;
	i += i < n && line[i] == '"';
	return n - i >= 3;
}

/*
 * Whether LINE[0..N) is what the kernel prints in saved_cmdlines: a pid
 * (decimal, within an int) and a space before the name.  A pid past a long
 * made tep_parse_saved_cmdlines() give up without freeing the name sscanf
 * had allocated for it (1.7.1; found by fuzz_import_perf).
 */
static bool td_cmdline_line(const char *line, size_t n)
{
	size_t i = 0;
	uint64_t pid = 0;
	while (i < n && i < 10 && line[i] >= '0' && line[i] <= '9')
		pid = pid * 10 + (uint64_t)(line[i++] - '0');
	return i > 0 && pid <= INT_MAX && i + 1 < n && line[i] == ' ';
}

/* A size-prefixed text for WHAT, its NULs refused.  *AT: where its bytes start. */
static int td_checked_text(struct td_cur *c, size_t size_bytes, const char *what, char **text, size_t *n,
			   size_t *at)
{
	size_t start = c->pos;
	if (td_text(c, size_bytes, what, text, n))
		return -1;
	*at = c->pos - *n;
	size_t nul = td_nul_at(*text, *n);
	if (nul == *n)
		return 0;
	free(*text);
	c->pos = *at + nul;
	td_fail(c, "%s hold a NUL byte (corrupt)", what);
	c->pos = start;
	return -1;
}

static int td_kallsyms(struct td_cur *c, struct tep_handle *tep, struct cap_tdata_info *info)
{
	char *text;
	size_t n, at, start = c->pos;
	if (td_checked_text(c, 4, "kallsyms", &text, &n, &at))
		return -1;
	int rc = n ? tep_parse_kallsyms(tep, text) : 0;
	free(text);
	if (rc) {
		c->pos = start;
		return td_fail(c, "kallsyms do not parse");
	}
	info->kallsyms_size = n;
	return 0;
}

/*
 * Each non-empty line of TEXT[0..N) (a table's, starting at AT) must pass
 * LINE_OK; else TEXT is freed and C fails at the line's start with
 * "WHAT: line not of the form 'FORM' (corrupt)".
 */
static int td_check_lines(struct td_cur *c, char *text, size_t n, size_t at, bool (*line_ok)(const char *, size_t),
			  const char *what, const char *form)
{
	for (size_t line = 0, end; line < n; line = end + 1) {
		const char *nl = memchr(text + line, '\n', n - line);
		end = nl ? (size_t)(nl - text) : n;
		if (end > line && !line_ok(text + line, end - line)) {
			free(text);
			c->pos = at + line;
			return td_fail(c, "%s: line not of the form '%s' (corrupt)", what, form);
		}
	}
	return 0;
}

/* A table of text lines libtraceevent parses: printk formats or saved cmdlines. */
struct td_table {
	size_t size_bytes; /* of its size field */
	const char *what, *form;
	bool (*line_ok)(const char *line, size_t n);
	int (*parse)(struct tep_handle *tep, const char *text);
};

static const struct td_table td_printk_table = {4, "printk formats", "0xADDRESS : \"FORMAT\"", td_printk_line,
						tep_parse_printk_formats};
static const struct td_table td_cmdline_table = {8, "saved cmdlines", "PID COMM", td_cmdline_line,
						 tep_parse_saved_cmdlines};

/* Read table T, check it line by line, then hand it to libtraceevent. */
static int td_parse_table(struct td_cur *c, struct tep_handle *tep, const struct td_table *t)
{
	char *text;
	size_t n, at, start = c->pos;
	if (td_checked_text(c, t->size_bytes, t->what, &text, &n, &at) ||
	    td_check_lines(c, text, n, at, t->line_ok, t->what, t->form))
		return -1;
	int rc = n ? t->parse(tep, text) : 0;
	free(text);
	if (rc) {
		c->pos = start;
		return td_fail(c, "%s do not parse", t->what);
	}
	return 0;
}

/* kallsyms, printk formats and (0.6 on) saved cmdlines: names for addresses and pids. */
static int td_tables(struct td_cur *c, struct tep_handle *tep, struct cap_tdata_info *info)
{
	if (td_kallsyms(c, tep, info) || td_parse_table(c, tep, &td_printk_table))
		return -1;
	return info->has_cmdlines ? td_parse_table(c, tep, &td_cmdline_table) : 0;
}

struct tep_handle *cap_tracing_data_parse(const void *buf, size_t len, const char *file,
					  uint64_t base, struct cap_tdata_info *info,
					  struct mmr_error *err)
{
	struct td_cur c = {.buf = buf, .len = len, .file = file, .base = base, .err = err};
	memset(info, 0, sizeof(*info));
	struct tep_handle *tep = tep_alloc();
	if (!tep) {
		mmr_error_at(err, file, base, "tracing data: out of memory");
		return NULL;
	}
	if (td_preamble(&c, tep, info) || td_headers(&c, tep, info) || td_ftrace(&c, tep, info) ||
	    td_systems(&c, tep, info) || td_tables(&c, tep, info)) {
		tep_free(tep);
		return NULL;
	}
	info->used = c.pos;
	return tep;
}

int cap_tracing_data_part(struct tep_handle *tep, enum cap_td_part part, const void *buf, size_t len,
			  const char *file, uint64_t base, bool packed, struct cap_tdata_info *info,
			  struct mmr_error *err)
{
	struct td_cur c = {.buf = buf, .len = len, .file = file, .base = base, .packed = packed, .err = err,
			   .big = tep_is_file_bigendian(tep)};
	int rc;
	switch (part) {
	case CAP_TD_HEADERS: rc = td_headers(&c, tep, info); break;
	case CAP_TD_FTRACE: rc = td_ftrace(&c, tep, info); break;
	case CAP_TD_SYSTEMS: rc = td_systems(&c, tep, info); break;
	case CAP_TD_KALLSYMS: rc = td_kallsyms(&c, tep, info); break;
	case CAP_TD_PRINTK: rc = td_parse_table(&c, tep, &td_printk_table); break;
	default: rc = td_parse_table(&c, tep, &td_cmdline_table); break;
	}
	info->used = c.pos;
	return rc;
}
