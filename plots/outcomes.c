/* SPDX-License-Identifier: MIT */
/*
 * outcomes.c - the parts of a comparison that say what a speed figure
 * is worth: the work each engine did (its outcomes, each op's failed
 * calls, work done per second), and the noise floor of the run, measured
 * where a difference can only be noise: ops that two engines run with
 * the same code, and with --aa the baseline's own runs split in two.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Count one noise-only test of CH into the floor FLOOR and the tally. */
static void noise_seen(double *floor, const struct rpt_change *ch, unsigned *tests, unsigned *false_pos)
{
	if (!isfinite(ch->pct))
		return;
	*floor = isfinite(*floor) ? fmax(*floor, fabs(ch->pct)) : fabs(ch->pct);
	if (ch->sig.sig == MMR_SIG_UNKNOWN)
		return;
	(*tests)++;
	*false_pos += ch->sig.sig == MMR_SIG_YES;
}

/* The runs of V (N of them) whose index has parity HALF, into OUT; how many. */
static unsigned half_of(const double *v, unsigned n, unsigned half, double *out, double *mean)
{
	unsigned m = 0;
	double sum = 0;
	for (unsigned q = half; q < n; q += 2)
		if (isfinite(v[q]))
			sum += (out[m++] = v[q]);
	*mean = m ? sum / m : NAN;
	return m;
}

/* One A/A test: the even runs of V against the odd ones. */
static struct rpt_change aa_change(const double *v, unsigned n)
{
	double a[64], b[64], ma, mb;
	n = n < 128 ? n : 128;
	unsigned na = half_of(v, n, 0, a, &ma), nb = half_of(v, n, 1, b, &mb);
	return rpt_change_of(ma, a, na, mb, b, nb);
}

static void measure_aa(struct rpt_cmp *c)
{
	const struct mmr_results *b = &c->res[0];
	struct rpt_noise *z = &c->noise;
	if (b->nruns < 4)
		return;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		for (unsigned s = 0; b->ops[k].present && s < MMR_STAT_COUNT; s++)
			if (b->ops[k].runs[s]) {
				struct rpt_change ch = aa_change(b->ops[k].runs[s], b->nruns);
				noise_seen(&z->aa[s], &ch, &z->aa_tests, &z->aa_false_pos);
			}
	if (b->run_throughput) {
		struct rpt_change ch = aa_change(b->run_throughput, b->nruns);
		noise_seen(&z->aa[MMR_STAT_COUNT], &ch, &z->aa_tests, &z->aa_false_pos);
	}
}

/* Engine I's same-code ops against the baseline's, into its pair floor. */
static void measure_pair(struct rpt_cmp *c, size_t i, double *floor)
{
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		const struct mmr_results_op *a = &c->res[0].ops[k], *o = &c->res[i].ops[k];
		if (!a->present || !o->present || !rpt_same_code(c, i, k))
			continue;
		for (unsigned s = 0; s < MMR_STAT_COUNT; s++) {
			struct rpt_change ch = rpt_change_of(a->stat[s], a->runs[s], c->res[0].nruns, o->stat[s], o->runs[s],
							     c->res[i].nruns);
			noise_seen(&floor[s], &ch, &c->noise.tests, &c->noise.false_pos);
		}
	}
}

void rpt_noise_measure(struct rpt_cmp *c)
{
	struct rpt_noise *z = &c->noise;
	memset(z, 0, sizeof(*z));
	for (unsigned f = 0; f < RPT_FIGURES; f++)
		z->aa[f] = NAN;
	if (!(z->pair = malloc(c->n * sizeof(*z->pair)))) {
		c->doc.oom = true;
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		for (unsigned f = 0; f < RPT_FIGURES; f++)
			z->pair[i][f] = NAN;
		measure_pair(c, i, z->pair[i]);
	}
	if (c->o->aa)
		measure_aa(c);
}

void rpt_noise_free(struct rpt_cmp *c)
{
	free(c->noise.pair);
	c->noise.pair = NULL;
}

double rpt_noise_floor(const struct rpt_cmp *c, size_t i, unsigned f)
{
	double p = c->noise.pair && i < c->n ? c->noise.pair[i][f] : NAN, a = c->noise.aa[f];
	return isfinite(p) && isfinite(a) ? fmax(p, a) : isfinite(p) ? p : a;
}

/* "12 of 40 (30%)" */
static void rate_text(char *buf, size_t n, unsigned hits, unsigned tests)
{
	snprintf(buf, n, "%u of %u (%.0f%%)", hits, tests, tests ? 100.0 * hits / tests : 0.0);
}

void rpt_noise_section(struct rpt_cmp *c)
{
	const struct rpt_noise *z = &c->noise;
	struct rpt_section *s = rpt_section(&c->doc, "Noise floor");
	char r[64];
	if (z->tests) {
		rate_text(r, sizeof(r), z->false_pos, z->tests);
		rpt_para(&c->doc, s, "Ops another engine runs with the baseline's own code (the engines declare them): "
			 "any difference there is noise. Of their latency tests, %s were called significant by the interval.", r);
	}
	if (c->o->aa && c->res[0].nruns < 4)
		rpt_para(&c->doc, s, "A/A: the baseline has %u runs; splitting them in two needs 4 or more (replay with "
			 "--repeat 4 or more).", c->res[0].nruns);
	else if (c->o->aa) {
		rate_text(r, sizeof(r), z->aa_false_pos, z->aa_tests);
		rpt_para(&c->doc, s, "A/A: %s's %u runs split in two (even against odd) and tested against each other, "
			 "every latency figure and the throughput: %s called significant.", c->res[0].engine,
			 c->res[0].nruns, r);
	}
	if (!z->tests && !(c->o->aa && c->res[0].nruns >= 4)) {
		rpt_para(&c->doc, s, "No engine runs an op with the baseline's code and no A/A test was asked for: how often "
			 "this machine makes noise look significant is not measured here (compare --aa, with 4 or more runs).");
		return;
	}
	static const char *const head[] = {"engine", "p50", "p90", "p99", "p99.9", "max", "throughput"};
	struct rpt_table *t = rpt_table(&c->doc, s, "noise floor: the largest change seen where only noise can make one",
					RPT_FIGURES + 1, head);
	for (size_t i = 1; i < c->n; i++) {
		long row = rpt_row(&c->doc, t);
		rpt_cell(&c->doc, t, row, 0, "%s", c->res[i].engine);
		for (unsigned f = 0; f < RPT_FIGURES; f++) {
			double v = rpt_noise_floor(c, i, f);
			rpt_cell(&c->doc, t, row, f + 1, isfinite(v) ? "±%.1f%%" : "-", v);
		}
	}
	rpt_legend(&c->doc, t, "Per engine, the larger of the changes seen in the ops it runs with %s's code and, "
		   "with --aa, in %s's runs split in two. A significant change no larger than its floor is marked "
		   "'noise' (within the noise floor), in the tables and the verdicts.", c->res[0].engine,
		   c->res[0].engine);
}

/* The cell of engine I for outcome KEY: its mean per run and its change against the baseline. */
static void outcome_cell(struct rpt_cmp *c, struct rpt_table *t, long row, size_t i, const char *key)
{
	const struct mmr_results_outcome *o = rpt_outcome_find(&c->res[i], key);
	const struct mmr_results_outcome *b = rpt_outcome_find(&c->res[0], key);
	char p[32];
	if (!o) {
		rpt_cell(&c->doc, t, row, i + 1, "-");
		return;
	}
	struct rpt_change ch = b ? rpt_outcome_change(c, i, b, o) : (struct rpt_change){.pct = NAN};
	if (i && b && b->mean == 0 && o->mean != 0) {
		rpt_cell(&c->doc, t, row, i + 1, "%.6g (from 0%s)", o->mean, rpt_sig_short(ch.sig.sig));
		return;
	}
	if (!i || !b || !isfinite(ch.pct)) {
		rpt_cell(&c->doc, t, row, i + 1, "%.6g", o->mean);
		return;
	}
	rpt_pct_text(p, sizeof(p), ch.pct);
	rpt_cell(&c->doc, t, row, i + 1, "%.6g (%s%s)", o->mean, p, rpt_sig_short(ch.sig.sig));
}

/* Whether an earlier engine than I has outcome KEY. */
static bool seen_before(const struct rpt_cmp *c, size_t i, const char *key)
{
	for (size_t e = 0; e < i; e++)
		if (rpt_outcome_find(&c->res[e], key))
			return true;
	return false;
}

/* A table whose columns are the engines after a first one named FIRST; NULL when out of memory. */
static struct rpt_table *engine_table(struct rpt_cmp *c, struct rpt_section *s, const char *caption,
				      const char *first)
{
	const char **head = calloc(c->n + 1, sizeof(*head));
	if (!head) {
		c->doc.oom = true;
		return NULL;
	}
	head[0] = first;
	for (size_t i = 0; i < c->n; i++)
		head[i + 1] = c->res[i].engine;
	struct rpt_table *t = rpt_table(&c->doc, s, caption, c->n + 1, head);
	free(head);
	return t;
}

/* Per op whose work any engine does differently: work done per second, every engine. */
static void work_table(struct rpt_cmp *c, struct rpt_section *s)
{
	struct rpt_table *t = NULL;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		struct rpt_work w[64];
		bool any = false;
		for (size_t i = 1; i < c->n && i < 64; i++) {
			rpt_work_of(c, i, k, &w[i]);
			any |= c->res[0].ops[k].present && c->res[i].ops[k].present && w[i].differs;
		}
		if (!any)
			continue;
		if (!t && !(t = engine_table(c, s, "work done per second, where the work per call differs", "op: work")))
			return;
		long row = rpt_row(&c->doc, t);
		rpt_cell(&c->doc, t, row, 0, "%s: %s/s", mmr_op_name(k), w[1].unit);
		for (size_t i = 1; i < c->n && i < 64; i++) {
			char p[32];
			rpt_pct_text(p, sizeof(p), w[i].rate.pct);
			rpt_cell(&c->doc, t, row, i + 1, "%.0f%% done per call (%s/s %s%s)", 100 * w[i].v_share, w[1].unit, p,
				 rpt_sig_short(w[i].rate.sig.sig));
			if (i == 1)
				rpt_cell(&c->doc, t, row, 1, "%.0f%% done per call", 100 * w[i].base_share);
		}
	}
	if (t)
		rpt_legend(&c->doc, t, "Work per call: successful calls, or the op's declared work (pages freed...); "
			   "the change is that of work done per second of the run against %s.", c->res[0].engine);
}

void rpt_outcome_table(struct rpt_cmp *c)
{
	static const char *const dir[] = {"", ", more is better", ", fewer is better"};
	struct rpt_section *s = rpt_section(&c->doc, "Work done and outcomes");
	struct rpt_table *t = engine_table(c, s, "outcomes, mean per run", "outcome (unit)");
	if (!t)
		return;
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < c->res[i].noutcomes; j++) {
			const struct mmr_results_outcome *o = &c->res[i].outcomes[j];
			if (seen_before(c, i, o->key))
				continue;
			long row = rpt_row(&c->doc, t);
			rpt_cell(&c->doc, t, row, 0, "%s (%s%s)", o->key, o->unit, dir[o->better]);
			for (size_t e = 0; e < c->n; e++)
				outcome_cell(c, t, row, e, o->key);
		}
	rpt_legend(&c->doc, t, "What each engine's work came to: counts the engine declares (docs/engines.md) and "
		   "each op's failed calls. Change against %s in parentheses, tested on the per-run counts as the "
		   "latencies are.", c->res[0].engine);
	work_table(c, s);
}
