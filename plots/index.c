/* SPDX-License-Identifier: MIT */
/*
 * index.c - a page that leads to several reports: the verdicts that
 * matter most across them first (the weightiest of each report, so one
 * report cannot fill the list), then each report's link and its own
 * verdicts under its heading.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_fs.h"
#include "report.h"

static int by_weight(const void *a, const void *b)
{
	double x = (*(const struct mmr_verdict *const *)a)->weight, y = (*(const struct mmr_verdict *const *)b)->weight;
	return (x < y) - (x > y);
}

size_t mmr_index_top(const struct mmr_index_opts *o, const struct mmr_verdict **out)
{
	const struct mmr_verdict **best = calloc(o->n + 1, sizeof(*best));
	size_t n = 0;
	if (!best)
		return 0;
	for (size_t i = 0; i < o->n; i++) {
		const struct mmr_verdict *b = NULL;
		for (size_t v = 0; v < o->entries[i].nverdicts; v++)
			if (!b || o->entries[i].verdicts[v].weight > b->weight)
				b = &o->entries[i].verdicts[v];
		if (b)
			best[n++] = b;
	}
	qsort(best, n, sizeof(*best), by_weight);
	n = n < o->top ? n : o->top;
	memcpy(out, best, n * sizeof(*out));
	free(best);
	return n;
}

int mmr_index_write(const struct mmr_index_opts *o, struct mmr_error *err)
{
	struct rpt_doc d = {0};
	struct rpt_section *s = NULL;
	const char *heading = NULL;
	d.title = strdup(o->title);
	d.oom = !d.title;
	for (size_t i = 0; i < o->nintro; i++)
		rpt_intro(&d, "%s", o->intro[i]);
	const struct mmr_verdict **top = calloc(o->top + 1, sizeof(*top));
	size_t ntop = top ? mmr_index_top(o, top) : 0;
	d.oom |= !top;
	for (size_t i = 0; i < ntop; i++)
		rpt_verdict(&d, "%s", top[i]->text);
	free(top);
	for (size_t i = 0; i < o->n; i++) {
		const struct mmr_index_entry *e = &o->entries[i];
		if (!heading || strcmp(heading, e->heading)) {
			s = rpt_section(&d, e->heading);
			heading = e->heading;
			if (e->intro)
				rpt_para(&d, s, "%s", e->intro);
		}
		const char *head[] = {e->column ? e->column : "verdict: each variant against the baseline"};
		struct rpt_table *t = rpt_table(&d, s, e->label, 1, head);
		for (size_t v = 0; v < e->nverdicts; v++)
			rpt_cell(&d, t, rpt_row(&d, t), 0, "%s", e->verdicts[v].text);
		if (e->text)
			rpt_legend(&d, t, "%s", e->text);
		if (e->href)
			rpt_link(&d, s, e->href, e->label);
	}
	int rc = 0;
	if (mmr_mkdir_p(o->outdir)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", o->outdir, strerror(errno));
		rc = -1;
	}
	if (!rc)
		rc = rpt_write_named(&d, o->outdir, "index", err);
	rpt_doc_free(&d);
	return rc;
}
