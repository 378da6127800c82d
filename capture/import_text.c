/* SPDX-License-Identifier: MIT */
/*
 * import_text.c - a trace written as text, one event a line, in the form
 * `mmreplay dump` prints, so that a hand-written trace (a test's input, a
 * bug report's reproducer) and a dumped one import alike, and dump,
 * import, dump gives the same text again:
 *
 *   TIMESTAMP_NS CPU PID COMM FAMILY OP id=ID [aux=A] [req=N] [alloc=N]
 *       [order=N] [gfp=G] [node=N] [FLAG...] [site=SYMBOL|0xADDR]
 *
 * Numbers are decimal or 0x hex.  COMM is "-" for an unnamed task; a comm
 * with spaces is every word up to FAMILY.  A task keeps the first comm a
 * line gives it (the format names a pid once).  A symbolic call site gets
 * an address made up here, one per distinct name, and the name stored for
 * it.  '#' starts a comment line; blank lines are skipped.
 *
 * Any value a field can hold is accepted, in range or not (order 200, a
 * size of 2^64 - 1): a text trace is how the tests hand the replay and
 * stats the events they must survive.  What does not fit its field, or
 * does not parse, is one error line, "FILE: line N: what".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cap_internal.h"
#include "mmr_idmap.h"

#define TEXT_MAX_LINE 65536 /* bytes: a line is an event, far shorter than this */
#define TEXT_MAX_TOKENS 64
/* Made-up call-site addresses, one per symbol name: in the kernel's text range, 16 bytes apart. */
#define TEXT_SITE_BASE 0xffffffffc0000000ull

struct text_import {
	const char *path;
	FILE *f;
	char *line;
	size_t cap;
	uint64_t lineno;
	struct mmr_error *err;
	struct mmr_writer *w;
	struct mmr_idmap pids;  /* pids named so far */
	struct mmr_idmap sites; /* hash of a symbol name -> index into names, chained by probing */
	char **names;
	size_t nnames, cap_names;
	uint32_t max_cpu;
	bool any;
};

static int line_error(struct text_import *t, const char *fmt, const char *what)
{
	snprintf(t->err->msg, sizeof(t->err->msg), "%s: line %" PRIu64 ": ", t->path, t->lineno);
	size_t n = strlen(t->err->msg);
	snprintf(t->err->msg + n, sizeof(t->err->msg) - n, fmt, what);
	return -1;
}

/* The next line into t->line, without its newline.  Returns 1, 0 at the end, -1 (ERR). */
static int next_line(struct text_import *t)
{
	errno = 0;
	ssize_t n = getline(&t->line, &t->cap, t->f);
	if (n < 0)
		return errno ? line_error(t, "cannot read: %s", strerror(errno)) : 0;
	t->lineno++;
	if (n > TEXT_MAX_LINE)
		return line_error(t, "%s", "longer than 65536 bytes: not an event line");
	if ((size_t)n != strlen(t->line))
		return line_error(t, "%s", "a NUL byte: not text");
	t->line[strcspn(t->line, "\r\n")] = '\0';
	return 1;
}

/* TEXT as an unsigned number up to MAX.  Returns 0, or -1 (ERR names WHAT). */
static int parse_num(struct text_import *t, const char *text, uint64_t max, const char *what, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (!*text || *text == '-' || *text == '+' || *end || errno == ERANGE || v > max)
		return line_error(t, "bad %s: not a number that fits", what);
	*out = v;
	return 0;
}

/* Split t->line into *N tokens at spaces and tabs.  Returns 0, or -1 (ERR) past TEXT_MAX_TOKENS. */
static int tokenize(struct text_import *t, char **tok, size_t *n)
{
	char *save = NULL;
	*n = 0;
	for (char *p = strtok_r(t->line, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (*n == TEXT_MAX_TOKENS)
			return line_error(t, "%s", "more than 64 words: not an event line");
		tok[(*n)++] = p;
	}
	return 0;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/* The made-up address of symbol NAME, naming it in the trace the first time.  Returns 0 or -1 (ERR). */
static int site_of(struct text_import *t, const char *name, uint64_t *addr)
{
	uint64_t h = name_hash(name), *idx;
	for (; (idx = mmr_idmap_get(&t->sites, h)); h++)
		if (strcmp(t->names[*idx], name) == 0) {
			*addr = TEXT_SITE_BASE + *idx * 16;
			return 0;
		}
	if (t->nnames == t->cap_names) {
		size_t cap = t->cap_names ? t->cap_names * 2 : 64;
		char **v = realloc(t->names, cap * sizeof(*v));
		if (!v)
			return line_error(t, "%s", "out of memory");
		t->names = v;
		t->cap_names = cap;
	}
	char *copy = strdup(name);
	if (!copy || mmr_idmap_put(&t->sites, h, t->nnames)) {
		free(copy);
		return line_error(t, "%s", "out of memory");
	}
	t->names[t->nnames] = copy;
	*addr = TEXT_SITE_BASE + t->nnames++ * 16;
	return mmr_writer_add_symbol(t->w, *addr, name, t->err);
}

/* One key=value or flag word of an event.  Returns 0, or -1 (ERR). */
static int parse_field(struct text_import *t, const char *word, struct mmr_event *e)
{
	const char *eq = strchr(word, '=');
	uint64_t v;
	if (!eq) {
		for (unsigned b = 0; mmr_event_flag_name(b); b++)
			if (strcmp(word, mmr_event_flag_name(b)) == 0) {
				e->flags |= (uint16_t)(1u << b);
				return 0;
			}
		return line_error(t, "unknown flag '%s'", word);
	}
	size_t klen = (size_t)(eq - word);
	const char *val = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(word, k, klen) == 0)
	if (KEY("aux"))
		return parse_num(t, val, UINT64_MAX, "aux", &e->aux);
	if (KEY("req"))
		return parse_num(t, val, UINT64_MAX, "req", &e->bytes_req);
	if (KEY("alloc"))
		return parse_num(t, val, UINT64_MAX, "alloc", &e->bytes_alloc);
	if (KEY("order")) {
		if (parse_num(t, val, UINT8_MAX, "order", &v))
			return -1;
		e->order = (uint8_t)v;
		return 0;
	}
	if (KEY("gfp")) {
		if (parse_num(t, val, UINT32_MAX, "gfp", &v))
			return -1;
		e->gfp = (uint32_t)v;
		return 0;
	}
	if (KEY("node")) {
		char *end;
		errno = 0;
		long n = strtol(val, &end, 0);
		if (!*val || *end || errno || n < INT32_MIN || n > INT32_MAX)
			return line_error(t, "%s", "bad node: not a number that fits");
		e->node = (int32_t)n;
		return 0;
	}
	if (KEY("site")) {
		/* An address when the whole value is one; otherwise a symbol name. */
		char *end;
		errno = 0;
		unsigned long long a = strtoull(val, &end, 16);
		if (strncmp(val, "0x", 2) == 0 && !*end && !errno && a)
			return e->call_site = a, 0;
		return *val ? site_of(t, val, &e->call_site) : line_error(t, "%s", "empty site");
	}
#undef KEY
	return line_error(t, "unknown field '%s'", word);
}

/* Where FAMILY OP id=... starts among TOK[3..N): the words before it are the comm. */
static size_t find_family(char **tok, size_t n)
{
	for (size_t k = 3; k + 2 < n; k++)
		if (mmr_family_from_name(tok[k]) >= 0 && mmr_op_from_name(tok[k + 1]) >= 0 &&
		    strncmp(tok[k + 2], "id=", 3) == 0)
			return k;
	return 0;
}

/* Name task PID after the comm words TOK[3..K), the first time it appears.  Returns 0 or -1 (ERR). */
static int name_task(struct text_import *t, int32_t pid, char **tok, size_t k)
{
	if (k == 4 && strcmp(tok[3], "-") == 0)
		return 0;
	if (mmr_idmap_get(&t->pids, (uint32_t)pid))
		return 0;
	char comm[256] = "";
	for (size_t i = 3, n = 0; i < k && n < sizeof(comm); i++)
		n += (size_t)snprintf(comm + n, sizeof(comm) - n, "%s%s", i > 3 ? " " : "", tok[i]);
	if (mmr_idmap_put(&t->pids, (uint32_t)pid, 1))
		return line_error(t, "%s", "out of memory");
	return mmr_writer_add_comm(t->w, pid, comm, t->err);
}

/* The event of the current line into E.  Returns 1, 0 for a blank or comment line, -1 (ERR). */
static int parse_event(struct text_import *t, struct mmr_event *e)
{
	char *tok[TEXT_MAX_TOKENS];
	size_t n, k;
	uint64_t v;
	const char *p = t->line + strspn(t->line, " \t");
	if (*p == '\0' || *p == '#')
		return 0;
	if (tokenize(t, tok, &n))
		return -1;
	if (n < 6 || !(k = find_family(tok, n)))
		return line_error(t, "%s", "expected TIMESTAMP CPU PID COMM FAMILY OP id=ID [field=value...]");
	*e = (struct mmr_event){.node = -1};
	if (parse_num(t, tok[0], UINT64_MAX, "timestamp", &e->ts_ns) || parse_num(t, tok[1], UINT32_MAX, "cpu", &v))
		return -1;
	e->cpu = (uint32_t)v;
	char *end;
	errno = 0;
	long pid = strtol(tok[2], &end, 10);
	if (!*tok[2] || *end || errno || pid < INT32_MIN || pid > INT32_MAX)
		return line_error(t, "%s", "bad pid: not a number that fits");
	e->pid = (int32_t)pid;
	e->family = (uint8_t)mmr_family_from_name(tok[k]);
	e->op = (uint8_t)mmr_op_from_name(tok[k + 1]);
	if (parse_num(t, tok[k + 2] + 3, UINT64_MAX, "id", &e->id))
		return -1;
	for (size_t i = k + 3; i < n; i++)
		if (parse_field(t, tok[i], e))
			return -1;
	return name_task(t, e->pid, tok, k) ? -1 : 1;
}

/* The first pass: every line parses, and the highest CPU, for the header's CPU count. */
static int scan(struct text_import *t)
{
	int rc;
	while ((rc = next_line(t)) == 1) {
		char *tok[TEXT_MAX_TOKENS];
		size_t n, k;
		uint64_t cpu;
		const char *p = t->line + strspn(t->line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if (tokenize(t, tok, &n))
			return -1;
		if (n < 6 || !(k = find_family(tok, n)))
			return line_error(t, "%s", "expected TIMESTAMP CPU PID COMM FAMILY OP id=ID [field=value...]");
		if (parse_num(t, tok[1], UINT32_MAX, "cpu", &cpu))
			return -1;
		if (cpu > t->max_cpu || !t->any)
			t->max_cpu = (uint32_t)cpu;
		t->any = true;
	}
	return rc;
}

static int write_events(struct text_import *t, struct mmr_import_summary *sum)
{
	struct mmr_event e;
	int rc;
	while ((rc = next_line(t)) == 1) {
		sum->records++;
		int got = parse_event(t, &e);
		if (got < 0)
			return -1;
		if (got == 0)
			continue;
		if (mmr_writer_write(t->w, &e, t->err))
			return -1;
		sum->events++;
		sum->by_family[e.family]++;
	}
	return rc;
}

static void text_free(struct text_import *t)
{
	if (t->f)
		fclose(t->f);
	free(t->line);
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	mmr_idmap_destroy(&t->pids);
	mmr_idmap_destroy(&t->sites);
}

int cap_import_text(const char *in, const char *out, struct mmr_import_summary *sum, struct mmr_error *err)
{
	struct text_import t = {.path = in, .err = err};
	int rc = -1;
	if (!(t.f = fopen(in, "r"))) {
		mmr_error_at(err, in, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (scan(&t))
		goto done;
	if (!t.any) {
		mmr_error_at(err, in, 0, "a text trace with no event line");
		goto done;
	}
	rewind(t.f);
	t.lineno = 0;
	/* CPUs past the trace's bound are events out of range, left to the consumers: the count stops there. */
	uint32_t cpus = t.max_cpu < MMR_MAX_CPUS ? t.max_cpu + 1 : MMR_MAX_CPUS;
	struct mmr_meta meta = {.clock = "text", .source = "import text", .nr_cpus = cpus};
	if (!(t.w = mmr_writer_open(out, &meta, NULL, err)))
		goto done;
	rc = write_events(&t, sum);
	if (mmr_writer_close(t.w, rc ? NULL : err))
		rc = -1;
	if (rc)
		unlink(out);
	struct stat st;
	if (!rc && stat(out, &st) == 0)
		sum->file_bytes = (uint64_t)st.st_size;
done:
	text_free(&t);
	return rc;
}
