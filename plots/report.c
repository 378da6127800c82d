/* SPDX-License-Identifier: MIT */
/*
 * report.c - building the report's document model.  Every builder takes
 * the document and, rather than returning an error each caller would have
 * to pass up, marks it out of memory once; the writer checks that flag
 * before anything reaches a file.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_fs.h"
#include "report.h"

/* vasprintf into a new string; NULL (noted in D) when out of memory. */
static char *format(struct rpt_doc *d, const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		d->oom = true;
		return NULL;
	}
	return s;
}

/* BASE (N items of SIZE) grown by one zeroed item; NULL (noted) when out of memory. */
static void *grow_to(struct rpt_doc *d, void *base, size_t n, size_t size)
{
	char *g = realloc(base, (n + 1) * size);
	if (!g) {
		d->oom = true;
		return NULL;
	}
	memset(g + n * size, 0, size);
	return g;
}

/* OUT = a new zeroed last item of ARR (N items), or NULL when out of memory. */
#define PUSH(d, arr, n, out)                                                    \
	do {                                                                    \
		void *g_ = grow_to((d), (arr), (n), sizeof(*(arr)));            \
		(out) = NULL;                                                   \
		if (g_) {                                                       \
			(arr) = g_;                                             \
			(out) = &(arr)[(n)++];                                  \
		}                                                               \
	} while (0)

/* Append S to the string list *V of *N (S is consumed). */
static void push_str(struct rpt_doc *d, char ***v, size_t *n, char *s)
{
	char **slot = NULL;
	if (s)
		PUSH(d, *v, *n, slot);
	if (slot)
		*slot = s;
	else
		free(s);
}

void rpt_intro(struct rpt_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push_str(d, &d->intro, &d->nintro, format(d, fmt, ap));
	va_end(ap);
}

void rpt_verdict(struct rpt_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push_str(d, &d->verdicts, &d->nverdicts, format(d, fmt, ap));
	va_end(ap);
}

struct rpt_section *rpt_section(struct rpt_doc *d, const char *heading)
{
	struct rpt_section **slot = NULL, *s = calloc(1, sizeof(*s));
	if (s)
		PUSH(d, d->sections, d->nsections, slot);
	if (!slot) {
		d->oom = true;
		free(s);
		return NULL;
	}
	*slot = s;
	if (!(s->heading = strdup(heading)))
		d->oom = true;
	return s;
}

void rpt_para(struct rpt_doc *d, struct rpt_section *s, const char *fmt, ...)
{
	va_list ap;
	if (!s)
		return;
	va_start(ap, fmt);
	push_str(d, &s->paras, &s->nparas, format(d, fmt, ap));
	va_end(ap);
}

struct rpt_table *rpt_table(struct rpt_doc *d, struct rpt_section *s, const char *caption, size_t ncols,
			    const char *const *header)
{
	struct rpt_table **slot = NULL, *t = s ? calloc(1, sizeof(*t)) : NULL;
	if (t)
		PUSH(d, s->tables, s->ntables, slot);
	if (!slot) {
		d->oom |= s != NULL;
		free(t);
		return NULL;
	}
	*slot = t;
	t->ncols = ncols;
	if (!(t->caption = strdup(caption)))
		d->oom = true;
	long row = rpt_row(d, t);
	for (size_t c = 0; row >= 0 && c < ncols; c++)
		rpt_cell(d, t, row, c, "%s", header[c]);
	return t;
}

long rpt_row(struct rpt_doc *d, struct rpt_table *t)
{
	if (!t)
		return -1;
	char **g = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*g));
	if (!g) {
		d->oom = true;
		return -1;
	}
	memset(g + t->nrows * t->ncols, 0, t->ncols * sizeof(*g));
	t->cells = g;
	return (long)t->nrows++;
}

void rpt_cell(struct rpt_doc *d, struct rpt_table *t, long row, size_t col, const char *fmt, ...)
{
	if (!t || row < 0 || (size_t)row >= t->nrows || col >= t->ncols)
		return;
	va_list ap;
	va_start(ap, fmt);
	char **cell = &t->cells[(size_t)row * t->ncols + col];
	free(*cell);
	*cell = format(d, fmt, ap);
	va_end(ap);
}

void rpt_legend(struct rpt_doc *d, struct rpt_table *t, const char *fmt, ...)
{
	if (!t)
		return;
	va_list ap;
	va_start(ap, fmt);
	free(t->legend);
	t->legend = format(d, fmt, ap);
	va_end(ap);
}

void rpt_figure(struct rpt_doc *d, struct rpt_section *s, const char *file, const char *caption)
{
	struct rpt_figure *f = NULL;
	if (s)
		PUSH(d, s->figures, s->nfigures, f);
	if (f && (!(f->file = strdup(file)) || !(f->caption = strdup(caption))))
		d->oom = true;
}

void rpt_link(struct rpt_doc *d, struct rpt_section *s, const char *href, const char *text)
{
	struct rpt_figure *f = NULL;
	if (s)
		PUSH(d, s->links, s->nlinks, f);
	if (f && (!(f->file = strdup(href)) || !(f->caption = strdup(text))))
		d->oom = true;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void rpt_doc_free(struct rpt_doc *d)
{
	for (size_t i = 0; i < d->nsections; i++) {
		struct rpt_section *s = d->sections[i];
		free(s->heading);
		free_strs(s->paras, s->nparas);
		for (size_t t = 0; t < s->ntables; t++) {
			free_strs(s->tables[t]->cells, s->tables[t]->nrows * s->tables[t]->ncols);
			free(s->tables[t]->caption);
			free(s->tables[t]->legend);
			free(s->tables[t]);
		}
		free(s->tables);
		for (size_t f = 0; f < s->nfigures; f++) {
			free(s->figures[f].file);
			free(s->figures[f].caption);
		}
		free(s->figures);
		for (size_t l = 0; l < s->nlinks; l++) {
			free(s->links[l].file);
			free(s->links[l].caption);
		}
		free(s->links);
		free(s);
	}
	free(d->sections);
	free_strs(d->intro, d->nintro);
	free_strs(d->verdicts, d->nverdicts);
	free(d->title);
	memset(d, 0, sizeof(*d));
}

void rpt_ns(char *buf, size_t n, double ns)
{
	const char *sign = ns < 0 ? "-" : "";
	double a = fabs(ns);
	if (!isfinite(ns))
		snprintf(buf, n, "-");
	else if (a < 1e3)
		snprintf(buf, n, "%s%.0f ns", sign, a);
	else if (a < 1e6)
		snprintf(buf, n, "%s%.3g us", sign, a / 1e3);
	else if (a < 1e9)
		snprintf(buf, n, "%s%.3g ms", sign, a / 1e6);
	else
		snprintf(buf, n, "%s%.3g s", sign, a / 1e9);
}

void rpt_url(FILE *f, const char *href)
{
	for (const unsigned char *p = (const unsigned char *)href; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

int rpt_write_all(const struct rpt_doc *d, const char *dir, struct mmr_error *err)
{
	return rpt_write_named(d, dir, "report", err);
}

int rpt_write_named(const struct rpt_doc *d, const char *dir, const char *base, struct mmr_error *err)
{
	static const char *const ext[] = {"md", "html"};
	if (d->oom) {
		snprintf(err->msg, sizeof(err->msg), "report: out of memory");
		return -1;
	}
	for (int h = 0; h < 2; h++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s.%s", dir, base, ext[h]);
		FILE *f = fopen(path, "w");
		int rc = !f ? -1 : h ? rpt_write_html(d, dir, f) : rpt_write_md(d, f);
		int e = errno;
		if (f && fclose(f) != 0 && !rc) {
			rc = -1;
			e = errno;
		}
		if (rc) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(e));
			return -1;
		}
	}
	return 0;
}

int rpt_make_dirs(const char *dir, struct mmr_error *err)
{
	static const char *const subs[] = {"", "/plots", "/data"};
	for (int i = 0; i < 3; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
		if (mmr_mkdir_p(path)) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}
