/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.c - the running kernel's code symbols, from /proc/kallsyms,
 * served to libtraceevent through a function resolver.
 *
 * tep_parse_kallsyms() would do, but it scans every line with sscanf and
 * copies every name: on a 120,000-symbol kernel that took a quarter of a
 * perf.data import.  Here the text is read once, the names stay in it
 * (NUL-terminated in place), and lookups bisect one sorted array.  Code
 * symbols serve call sites; data symbols are kept apart, for naming the
 * static locks whose contention a capture records (free_vmap_area_lock),
 * and only ever matched exactly, so that a lock inside some heap object
 * is never named after whatever static variable lies below it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "cap_internal.h"

#define KSYMS_MAX_TEXT (256u << 20)

struct ksym {
	uint64_t addr;
	const char *name;
};

struct cap_ksyms {
	char *text;
	struct ksym *v; /* code symbols, by address */
	size_t n;
	struct ksym *d; /* data and bss symbols, by address */
	size_t nd;
};

char *cap_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t n = 0, cap = 1u << 20;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 == cap) {
			char *nb = cap < KSYMS_MAX_TEXT ? realloc(buf, cap * 2) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			buf[n] = '\0';
			close(fd);
			*len = n;
			return buf;
		}
		if (r < 0)
			break;
		n += (size_t)r;
	}
	free(buf);
	close(fd);
	*len = 0;
	return NULL;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Is kallsyms type letter T a code symbol? */
static bool ksym_is_code(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

/* Is T a symbol in the kernel's data or bss, where a static lock lives? */
static bool ksym_is_data(char t)
{
	return t == 'd' || t == 'D' || t == 'b' || t == 'B';
}

/* Append SYM to *V (*N entries, room for *CAP).  Returns 0, or -1 when out of memory. */
static int ksym_push(struct ksym **v, size_t *n, size_t *cap, struct ksym sym)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 1024;
		struct ksym *nv = realloc(*v, ncap * sizeof(*nv));
		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = sym;
	return 0;
}

/* Split the text into code and data symbols: "ffffffff81000000 T _text [module]". */
static int ksyms_parse(struct cap_ksyms *k, size_t len)
{
	size_t cap = len / 32 + 16, dcap = 0;
	k->v = malloc(cap * sizeof(*k->v));
	if (!k->v)
		return -1;
	for (char *line = k->text; *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		char *next = end ? end + 1 : line + strlen(line);
		char *sp;
		uint64_t addr = strtoull(line, &sp, 16);
		/* " T name": type letter between single spaces. */
		char t = sp != line && sp[0] == ' ' ? sp[1] : '\0';
		bool code = ksym_is_code(t);
		if (t && sp[2] == ' ' && (code || ksym_is_data(t)) && sp[3]) {
			char *name = sp + 3;
			name[strcspn(name, " \t")] = '\0'; /* drop "[module]" */
			struct ksym sym = {addr, name};
			if (code ? ksym_push(&k->v, &k->n, &cap, sym) : ksym_push(&k->d, &k->nd, &dcap, sym))
				return -1;
		}
		line = next;
	}
	qsort(k->v, k->n, sizeof(*k->v), ksym_cmp);
	if (k->nd)
		qsort(k->d, k->nd, sizeof(*k->d), ksym_cmp);
	return 0;
}

struct cap_ksyms *cap_ksyms_load(const char *path)
{
	struct cap_ksyms *k = calloc(1, sizeof(*k));
	size_t len = 0;
	if (!k || !(k->text = cap_slurp(path, &len)) || ksyms_parse(k, len)) {
		cap_ksyms_free(k);
		return NULL;
	}
	return k;
}

void cap_ksyms_free(struct cap_ksyms *k)
{
	if (!k)
		return;
	free(k->v);
	free(k->d);
	free(k->text);
	free(k);
}

uint64_t cap_ksyms_addr(const struct cap_ksyms *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->v[i].name, name) == 0)
			return k->v[i].addr;
	return 0;
}

size_t cap_ksyms_data_count(const struct cap_ksyms *k)
{
	return k->nd;
}

const char *cap_ksyms_data_at(const struct cap_ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->nd; /* bisect [lo, hi) for ADDR itself */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->d[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->nd && k->d[lo].addr == addr ? k->d[lo].name : NULL;
}

/*
 * The resolver: the symbol whose code holds *ADDRP, which becomes the
 * symbol's start.  An address past the last symbol has no symbol, as in
 * libtraceevent's own table: the last one only marks an end.
 */
static char *ksyms_resolve(void *priv, unsigned long long *addrp, char **modp)
{
	const struct cap_ksyms *k = priv;
	uint64_t addr = *addrp;
	*modp = NULL;
	if (k->n < 2 || addr < k->v[0].addr || addr >= k->v[k->n - 1].addr)
		return NULL;
	size_t lo = 0, hi = k->n - 1; /* v[lo].addr <= addr < v[hi].addr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*addrp = k->v[lo].addr;
	return (char *)k->v[lo].name;
}

int cap_ksyms_attach(struct cap_ksyms *k, struct tep_handle *tep)
{
	return tep_set_function_resolver(tep, ksyms_resolve, k);
}
