/* SPDX-License-Identifier: MIT */
/*
 * claims.c - the seed threads' claims held against what mmreplay
 * measured: each claim names a variant, a figure (a speed figure of the
 * verdicts, or an outcome) and which way it should move against the
 * family's baseline; the comparison's verdict says whether it did,
 * significantly.  The table goes to its own page (Markdown and HTML).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

const char *mmr_agreement_name(enum mmr_agreement a)
{
	static const char *const names[] = {"agrees", "disagrees", "inconclusive", "cannot be tested here"};
	return a <= MMR_UNTESTABLE ? names[a] : "?";
}

/* FIG among V's speed figures or outcomes, or NULL. */
static const struct mmr_verdict_item *figure_of(const struct mmr_verdict *v, const char *fig)
{
	for (size_t k = 0; k < v->nitems; k++)
		if (!strcmp(v->items[k].fig, fig))
			return &v->items[k];
	for (size_t k = 0; k < v->noutcomes; k++)
		if (!strcmp(v->outcomes[k].fig, fig))
			return &v->outcomes[k];
	return NULL;
}

void mmr_claim_judge(const struct mmr_claim *c, const struct mmr_compare_result *res, const char *baseline,
		     struct mmr_claim_result *out)
{
	const struct mmr_verdict *v = NULL;
	for (size_t i = 0; res && c->engine && i < res->nverdicts; i++)
		v = !strcmp(res->verdicts[i].engine, c->engine) ? &res->verdicts[i] : v;
	const struct mmr_verdict_item *it = v && c->figure ? figure_of(v, c->figure) : NULL;
	memset(out, 0, sizeof(*out));
	if (c->untestable || !c->engine || !c->figure) {
		out->agreement = MMR_UNTESTABLE;
		snprintf(out->measured, sizeof(out->measured), "-");
		return;
	}
	if (!it) {
		out->agreement = MMR_INCONCLUSIVE;
		snprintf(out->measured, sizeof(out->measured), "%s: no %s in the comparison", c->engine, c->figure);
		return;
	}
	/* From 0, a percentage is no number: the direction is the values'. */
	double dir = isfinite(it->pct) ? it->pct : isfinite(it->value) && isfinite(it->base) ? it->value - it->base : 0;
	char pct[32];
	const char *sig = rpt_sig_long(&(struct mmr_signif){.sig = it->sig, .na = 2, .nb = 2});
	rpt_pct_text(pct, sizeof(pct), it->pct);
	if (isfinite(it->base))
		snprintf(out->measured, sizeof(out->measured), "%s %s: %.4g per run against %.4g (%s, %s)", c->engine,
			 c->figure, it->value, it->base, isfinite(it->pct) ? pct : "from 0", sig);
	else
		snprintf(out->measured, sizeof(out->measured), "%s %s %s vs %s (%s)", c->engine, c->figure, pct, baseline,
			 sig);
	if (it->sig != MMR_SIG_YES || dir == 0)
		out->agreement = MMR_INCONCLUSIVE;
	else
		out->agreement = (dir < 0) == (c->expect < 0) ? MMR_AGREES : MMR_DISAGREES;
}

int mmr_claims_write(const struct mmr_claims_page *p, struct mmr_error *err)
{
	struct rpt_doc d = {0};
	d.title = strdup(p->title);
	d.oom |= !d.title;
	for (size_t i = 0; i < p->nintro; i++)
		rpt_intro(&d, "%s", p->intro[i]);
	struct rpt_section *s = rpt_section(&d, "Claims");
	static const char *const head[] = {"family", "claim", "where", "figure (expected)", "measured", "agreement"};
	struct rpt_table *t = rpt_table(&d, s, "each claim against its family's comparison", 6, head);
	for (size_t i = 0; i < p->n; i++) {
		const struct mmr_claim *c = &p->claims[i];
		long row = rpt_row(&d, t);
		rpt_cell(&d, t, row, 0, "%s", c->family);
		rpt_cell(&d, t, row, 1, "%s", c->claim);
		rpt_cell(&d, t, row, 2, "%s", c->where);
		if (c->untestable)
			rpt_cell(&d, t, row, 3, "-");
		else
			rpt_cell(&d, t, row, 3, "%s %s, %s than the baseline", c->engine, c->figure,
				 c->expect < 0 ? "lower" : "higher");
		if (c->untestable)
			rpt_cell(&d, t, row, 4, "%s", c->note ? c->note : "-");
		else
			rpt_cell(&d, t, row, 4, "%s%s%s", p->results[i].measured, c->note ? ". " : "", c->note ? c->note : "");
		rpt_cell(&d, t, row, 5, "%s", mmr_agreement_name(p->results[i].agreement));
	}
	rpt_legend(&d, t, "agrees / disagrees: the figure moved significantly the way the claim says / the other way; "
		   "inconclusive: no significant change (or the comparison lacks the figure); cannot be tested here: "
		   "the note says why.");
	for (size_t i = 0; i < p->ncommands; i++)
		rpt_para(&d, s, "%s", p->commands[i]);
	int rc = rpt_write_named(&d, p->outdir, p->name, err);
	rpt_doc_free(&d);
	return rc;
}
