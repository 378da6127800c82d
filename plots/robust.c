/* SPDX-License-Identifier: MIT */
/*
 * robust.c - whether a verdict survives the model's assumptions.  The
 * caller (compare --robust) replayed the engines again with each cost
 * option at the ends of its range, and at points between where asked,
 * one option at a time, and compared each set; here each engine's
 * leading figure is looked up in every set, and the verdict is labelled
 * "robust" when it holds in all of them (the same sign, and significant
 * wherever it was significant), or "depends on KEY" with where it stops
 * holding.  The report gets a table and, per verdict, a plot of the
 * change against each assumption across its range.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Engine E's item FIG in the comparison RES, or NULL. */
static const struct mmr_verdict_item *find_item(const struct mmr_compare_result *res, const char *e, const char *fig)
{
	for (size_t v = 0; v < res->nverdicts; v++) {
		if (strcmp(res->verdicts[v].engine, e))
			continue;
		for (size_t k = 0; k < res->verdicts[v].nitems; k++)
			if (!strcmp(res->verdicts[v].items[k].fig, fig))
				return &res->verdicts[v].items[k];
	}
	return NULL;
}

/* Whether point P is the first of its cost option (the points of one option are listed together). */
static bool first_of_key(const struct mmr_robust *rb, size_t p)
{
	for (size_t q = 0; q < p; q++)
		if (!strcmp(rb->points[q].key, rb->points[p].key))
			return false;
	return true;
}

bool rpt_robust_holds(const struct mmr_verdict_item *lead, const struct mmr_verdict_item *it)
{
	if (!it || !isfinite(it->pct) || !isfinite(lead->pct))
		return false;
	bool same_sign = (it->pct > 0) == (lead->pct > 0) && (it->pct < 0) == (lead->pct < 0);
	return same_sign && (lead->sig != MMR_SIG_YES || it->sig == MMR_SIG_YES);
}

/* "holds only while KEY <= 1200" and the like, from the points of KEY (sorted by value) into BUF. */
static void where(const struct mmr_robust *rb, const char *key, const struct mmr_verdict *v, char *buf, size_t n)
{
	double hold_lo = INFINITY, hold_hi = -INFINITY, fail_lo = INFINITY, fail_hi = -INFINITY;
	for (size_t p = 0; p < rb->n; p++) {
		const struct mmr_robust_point *pt = &rb->points[p];
		if (strcmp(pt->key, key))
			continue;
		bool h = rpt_robust_holds(&v->items[0], find_item(pt->res, v->engine, v->items[0].fig));
		if (h) {
			hold_lo = fmin(hold_lo, pt->value);
			hold_hi = fmax(hold_hi, pt->value);
		} else {
			fail_lo = fmin(fail_lo, pt->value);
			fail_hi = fmax(fail_hi, pt->value);
		}
	}
	if (!isfinite(hold_lo))
		snprintf(buf, n, "%s: fails at every tested value (%g..%g)", key, fail_lo, fail_hi);
	else if (fail_lo > hold_hi)
		snprintf(buf, n, "%s: holds only while %s <= %g (fails at %g)", key, key, hold_hi, fail_lo);
	else if (fail_hi < hold_lo)
		snprintf(buf, n, "%s: holds only while %s >= %g (fails at %g)", key, key, hold_lo, fail_hi);
	else
		snprintf(buf, n, "%s: fails at %g..%g, holds at %g..%g", key, fail_lo, fail_hi, hold_lo, hold_hi);
}

void rpt_robust_label(const struct rpt_cmp *c, struct mmr_verdict *v)
{
	const struct mmr_robust *rb = c->o->robust;
	char label[512] = "", part[160];
	size_t len = 0, tested = 0, keys = 0;
	if (!rb || !rb->n || !v->nitems)
		return;
	for (size_t p = 0; p < rb->n; p++) {
		const struct mmr_robust_point *pt = &rb->points[p];
		if (!first_of_key(rb, p))
			continue;
		if (!*pt->key) { /* the control: replayed again as it was */
			if (!rpt_robust_holds(&v->items[0], find_item(pt->res, v->engine, v->items[0].fig))) {
				size_t at = strlen(v->text);
				snprintf(v->text + at, sizeof(v->text) - at,
					 " [does not reproduce: replayed again as it was, %s does not hold]", v->items[0].fig);
				return;
			}
			continue;
		}
		bool all = true;
		for (size_t q = p; q < rb->n; q++)
			if (!strcmp(rb->points[q].key, pt->key)) {
				tested++;
				all &= rpt_robust_holds(&v->items[0], find_item(rb->points[q].res, v->engine, v->items[0].fig));
			}
		keys++;
		if (all)
			continue;
		where(rb, pt->key, v, part, sizeof(part));
		len += (size_t)snprintf(label + len, len < sizeof(label) ? sizeof(label) - len : 0, "%s%s",
					len ? "; " : "", part);
	}
	size_t at = strlen(v->text);
	if (!keys)
		snprintf(v->text + at, sizeof(v->text) - at, " [reproduces: replayed again as it was, %s holds; no cost "
			 "option varied]", v->items[0].fig);
	else if (!label[0])
		snprintf(v->text + at, sizeof(v->text) - at, " [robust: %s holds at all %zu tested values of %zu cost%s]",
			 v->items[0].fig, tested, keys, keys == 1 ? "" : "s");
	else
		snprintf(v->text + at, sizeof(v->text) - at, " [depends on %s]", label);
}

/*
 * Engine V's data for its plot into F: per cost option a block headed by
 * its name, then (position in its range from 0 to 1 on a log scale,
 * change in percent) per tested value; blocks two blank lines apart.
 * Returns how many blocks.
 */
static size_t robust_dat(const struct mmr_robust *rb, const struct mmr_verdict *v, FILE *f)
{
	size_t blocks = 0;
	fputs("# per cost option: \"name\", then position_in_range change_pct\n", f);
	for (size_t p = 0; p < rb->n; p++) {
		if (!first_of_key(rb, p))
			continue;
		if (!*rb->points[p].key)
			continue; /* the control has no range */
		fputs(blocks++ ? "\n\n" : "", f);
		rpt_dat_label(f, rb->points[p].key);
		fputs(" \"change\"\n", f);
		for (size_t q = p; q < rb->n; q++) {
			const struct mmr_robust_point *pt = &rb->points[q];
			const struct mmr_verdict_item *it = find_item(pt->res, v->engine, v->items[0].fig);
			if (strcmp(pt->key, rb->points[p].key))
				continue;
			double lo = pt->lo > 0 ? pt->lo : fmin(1, pt->hi / 1000), hi = pt->hi;
			double x = hi > lo ? log(fmax(pt->value, lo) / lo) / log(hi / lo) : 0;
			fprintf(f, "%.4f ", x);
			if (it && isfinite(it->pct))
				fprintf(f, "%.3f\n", it->pct);
			else
				fputs("NaN\n", f);
		}
	}
	return blocks;
}

/* Engine V's plot of its leading figure against each assumption, into section S.  0, or -1 with ERR. */
static int robust_plot(struct rpt_cmp *c, const struct mmr_verdict *v, size_t i, struct rpt_section *s,
		       struct mmr_gnuplot *g, struct mmr_error *err)
{
	char name[64], path[4200], blocks[24], caption[256];
	snprintf(name, sizeof(name), "robust_%zu.dat", i + 1);
	FILE *f = rpt_cmp_data_file(c, name, path, sizeof(path), err);
	if (!f)
		return -1;
	size_t nblocks = robust_dat(c->o->robust, v, f);
	snprintf(blocks, sizeof(blocks), "%zu", nblocks);
	if (rpt_cmp_close_data(f, path, err))
		return -1;
	if (!nblocks)
		return 0; /* only the control: no assumption to draw against */
	struct mmr_gnuplot_var vars[] = {{"data", path, true}, {"nblocks", blocks, false}, {"ylabel", v->items[0].fig, false}};
	snprintf(name, sizeof(name), "robust_%zu", i + 1);
	snprintf(caption, sizeof(caption), "%s: %s against each assumption", v->engine, v->items[0].fig);
	return rpt_cmp_figure(c, g, s, "robust.gp", name, caption, vars, 3, err);
}

int rpt_robust_section(struct rpt_cmp *c, const struct mmr_verdict *v, size_t nv, struct mmr_gnuplot *g,
		       struct mmr_error *err)
{
	const struct mmr_robust *rb = c->o->robust;
	if (!rb || !rb->n)
		return 0;
	struct rpt_section *s = rpt_section(&c->doc, "Robustness");
	rpt_para(&c->doc, s, "Each engine's leading figure, replayed again as it was (the control: a verdict that "
		 "fails there is the runs' noise), then with one cost option at a time set to the ends of its "
		 "declared range (and the points between, where asked), every engine that takes the option alike. "
		 "It holds where its sign stays, and it stays significant where it was.");
	static const char *const head[] = {"engine", "figure", "cost", "value", "change", "holds"};
	struct rpt_table *t = rpt_table(&c->doc, s, "the leading figure against each assumption", 6, head);
	for (size_t i = 0; i < nv; i++)
		for (size_t p = 0; v[i].nitems && p < rb->n; p++) {
			const struct mmr_robust_point *pt = &rb->points[p];
			const struct mmr_verdict_item *it = find_item(pt->res, v[i].engine, v[i].items[0].fig);
			char pct[32];
			long row = rpt_row(&c->doc, t);
			rpt_pct_text(pct, sizeof(pct), it ? it->pct : NAN);
			rpt_cell(&c->doc, t, row, 0, "%s", v[i].engine);
			rpt_cell(&c->doc, t, row, 1, "%s", v[i].items[0].fig);
			rpt_cell(&c->doc, t, row, 2, "%s", *pt->key ? pt->key : "(none: replayed again as it was)");
			rpt_cell(&c->doc, t, row, 3, *pt->key ? "%g" : "-", pt->value);
			rpt_cell(&c->doc, t, row, 4, "%s%s", pct, it ? rpt_sig_short(it->sig) : "");
			rpt_cell(&c->doc, t, row, 5, "%s", rpt_robust_holds(&v[i].items[0], it) ? "yes" : "no");
		}
	rpt_legend(&c->doc, t, "The change is against %s replayed with the same value. The ranges are the engines' "
		   "(docs/calibrate.md, engines/README.md).", c->res[0].engine);
	for (size_t i = 0; g && i < nv; i++)
		if (v[i].nitems && robust_plot(c, &v[i], i, s, g, err))
			return -1;
	return 0;
}
