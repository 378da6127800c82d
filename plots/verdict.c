/* SPDX-License-Identifier: MIT */
/*
 * verdict.c - what one engine's line in a comparison says against the
 * baseline, and how much it weighs in ranking the lines.
 *
 * A kernel reviewer asks two things of a verdict: did the faster variant
 * do the same work, and is the difference more than the run's noise?  So
 * a line never gives a speed change without the outcome changes that
 * came with it ("but 76% of move calls failed (0% in the baseline)"),
 * an op whose work differs is also given as work done per second, and
 * its raw speed weighs little; a difference in an op both engines run
 * with the same code is noise, and any change no larger than the largest
 * such difference is called "within the noise floor", not significant.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct rpt_change rpt_change_of(double base, const double *base_runs, unsigned nb, double v, const double *runs,
				unsigned n)
{
	struct rpt_change c = {.pct = NAN};
	if (isfinite(base) && isfinite(v))
		c.pct = base > 0 ? (v - base) / base * 100 : v == base ? 0 : NAN;
	mmr_signif_test(base_runs ? base_runs : &base, base_runs ? nb : 0, runs ? runs : &v, runs ? n : 0, &c.sig);
	return c;
}

/* A significant change no larger than FLOOR percent is the run's noise. */
static void apply_floor(struct rpt_change *ch, double floor)
{
	if (ch->sig.sig == MMR_SIG_YES && isfinite(ch->pct) && isfinite(floor) && fabs(ch->pct) <= floor)
		ch->sig.sig = MMR_SIG_NOISE;
}

struct rpt_change rpt_op_change(const struct rpt_cmp *c, size_t i, unsigned k, unsigned s)
{
	const struct mmr_results *b = &c->res[0], *r = &c->res[i];
	struct rpt_change ch = rpt_change_of(b->ops[k].stat[s], b->ops[k].runs[s], b->nruns, r->ops[k].stat[s],
					     r->ops[k].runs[s], r->nruns);
	apply_floor(&ch, rpt_noise_floor(c, i, s));
	return ch;
}

struct rpt_change rpt_tput_change(const struct rpt_cmp *c, size_t i)
{
	const struct mmr_results *b = &c->res[0], *r = &c->res[i];
	struct rpt_change ch = rpt_change_of(b->throughput, b->run_throughput, b->nruns, r->throughput,
					     r->run_throughput, r->nruns);
	apply_floor(&ch, rpt_noise_floor(c, i, MMR_STAT_COUNT));
	return ch;
}

bool rpt_same_code(const struct rpt_cmp *c, size_t i, unsigned k)
{
	const struct mmr_results_op *a = &c->res[0].ops[k], *b = &c->res[i].ops[k];
	return i && a->same_code[0] && !strcmp(a->same_code, b->same_code);
}

const char *rpt_sig_short(enum mmr_sig s)
{
	return s == MMR_SIG_YES ? ", sig." : s == MMR_SIG_NO ? ", n.s." : s == MMR_SIG_NOISE ? ", noise" : "";
}

const char *rpt_sig_long(const struct mmr_signif *s)
{
	switch (s->sig) {
	case MMR_SIG_YES:
		return "significant";
	case MMR_SIG_NO:
		return "not significant";
	case MMR_SIG_NOISE:
		return "within the noise floor";
	default:
		return !s->na || !s->nb ? "no per-run figures: no significance" : "single run: no significance";
	}
}

void rpt_pct_text(char *buf, size_t n, double pct)
{
	if (!isfinite(pct))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, fabs(pct) >= 9.95 ? "%+.0f%%" : "%+.1f%%", pct);
}

bool rpt_material(const struct rpt_change *ch, double base, double v)
{
	if (ch->sig.sig == MMR_SIG_YES)
		return true;
	if (ch->sig.sig != MMR_SIG_UNKNOWN || !isfinite(base) || !isfinite(v))
		return false;
	double big = fmax(fabs(base), fabs(v));
	return big > 0 && fabs(v - base) >= 0.1 * big;
}

const struct mmr_results_outcome *rpt_outcome_find(const struct mmr_results *r, const char *key)
{
	for (size_t i = 0; i < r->noutcomes; i++)
		if (!strcmp(r->outcomes[i].key, key))
			return &r->outcomes[i];
	return NULL;
}

struct rpt_change rpt_outcome_change(const struct rpt_cmp *c, size_t i, const struct mmr_results_outcome *b,
				     const struct mmr_results_outcome *o)
{
	return rpt_change_of(b->mean, b->runs, c->res[0].nruns, o->mean, o->runs, c->res[i].nruns);
}

/* Run RUN's (or, with RUN -1, the mean run's) calls and work done of op K of R: 0, or -1 when unknown. */
static int work_of_run(const struct mmr_results *r, unsigned k, int run, double *calls, double *done)
{
	const struct mmr_results_op *op = &r->ops[k];
	const struct mmr_results_outcome *work = NULL, *failed = NULL;
	for (size_t j = 0; j < r->noutcomes; j++) {
		const struct mmr_results_outcome *o = &r->outcomes[j];
		if (o->op == (int)k && o->work)
			work = o;
		if (o->op == (int)k && o->failed_calls)
			failed = o;
	}
	bool per_run = run >= 0 && op->run_count;
	*calls = per_run ? op->run_count[run] : (double)op->count / (r->nruns ? r->nruns : 1);
	const struct mmr_results_outcome *by = work ? work : failed;
	double v = !by ? 0 : per_run && by->runs ? by->runs[run] : by->mean;
	*done = work ? v : *calls - v;
	return isfinite(*calls) && isfinite(*done) ? 0 : -1;
}

/*
 * Op K's work done per call and per second, engine I against the
 * baseline, per run where the results have runs.  The unit is the work
 * outcome's, or successful calls.
 */
void rpt_work_of(const struct rpt_cmp *c, size_t i, unsigned k, struct rpt_work *w)
{
	const struct mmr_results *rr[2] = {&c->res[0], &c->res[i]};
	double share[2][64], rate[2][64], mshare[2], mrate[2], calls, done;
	unsigned n[2];
	memset(w, 0, sizeof(*w));
	const struct mmr_results_outcome *work = NULL;
	for (size_t j = 0; j < rr[1]->noutcomes; j++)
		work = rr[1]->outcomes[j].op == (int)k && rr[1]->outcomes[j].work ? &rr[1]->outcomes[j] : work;
	snprintf(w->unit, sizeof(w->unit), work ? "%s" : "successful %s calls", work ? work->key : mmr_op_name(k));
	for (int s = 0; s < 2; s++) {
		const struct mmr_results *r = rr[s];
		n[s] = r->nruns < 64 ? r->nruns : 64;
		for (unsigned q = 0; q < n[s]; q++) {
			bool ok = work_of_run(r, k, (int)q, &calls, &done) == 0 && calls > 0 && r->run_wall_ns &&
				  r->run_wall_ns[q] > 0;
			share[s][q] = ok ? done / calls : NAN;
			rate[s][q] = ok ? done / (r->run_wall_ns[q] / 1e9) : NAN;
		}
		bool ok = work_of_run(r, k, -1, &calls, &done) == 0 && calls > 0;
		mshare[s] = ok ? done / calls : NAN;
		mrate[s] = ok && r->wall_ns > 0 ? done / (r->wall_ns / 1e9) : NAN;
	}
	w->share = rpt_change_of(mshare[0], n[0] ? share[0] : NULL, n[0], mshare[1], n[1] ? share[1] : NULL, n[1]);
	w->rate = rpt_change_of(mrate[0], n[0] ? rate[0] : NULL, n[0], mrate[1], n[1] ? rate[1] : NULL, n[1]);
	w->base_share = mshare[0];
	w->v_share = mshare[1];
	w->differs = rpt_material(&w->share, mshare[0], mshare[1]);
}

/* One item of a line: "release p99", "-87%", "significant"; ORDER breaks ties of weight. */
struct item {
	char what[96], pct[32], fig[64];
	const char *sig;
	double weight, pct_v;
	enum mmr_sig sig_v;
	size_t order;
};

static int by_weight(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->weight != y->weight)
		return (x->weight < y->weight) - (x->weight > y->weight);
	return (x->order > y->order) - (x->order < y->order);
}

/*
 * How much a change counts in ranking the lines: real ones first, then
 * by the size of the ratio on a log scale, so that halving and doubling
 * weigh the same and a 100-fold change of a noisy tail does not drown a
 * significant 2-fold one.
 */
static double weight_of(const struct rpt_change *ch)
{
	double ratio = 1 + fmax(ch->pct, -99.9) / 100, w = fabs(log(ratio));
	return ch->sig.sig == MMR_SIG_YES ? w : ch->sig.sig == MMR_SIG_UNKNOWN ? w * 0.3 : w * 0.05;
}

static void set_item(struct item *it, const char *what, const struct rpt_change *ch, double scale)
{
	snprintf(it->fig, sizeof(it->fig), "%.*s", (int)strcspn(what, "("), what);
	for (size_t n = strlen(it->fig); n && it->fig[n - 1] == ' ';)
		it->fig[--n] = '\0';
	it->pct_v = ch->pct;
	it->sig_v = ch->sig.sig;
	snprintf(it->what, sizeof(it->what), "%s", what);
	rpt_pct_text(it->pct, sizeof(it->pct), ch->pct);
	it->sig = rpt_sig_long(&ch->sig);
	it->weight = weight_of(ch) * scale;
}

/*
 * The speed items of engine I: each op's p99 (its weight cut where the
 * op's work differs, nothing where it runs the baseline's code), work
 * done per second of the ops whose work differs, and the throughput,
 * weighing no more than the least of those.  Returns how many.
 */
static size_t speed_items(const struct rpt_cmp *c, size_t i, struct item *items)
{
	size_t n = 0;
	double least = INFINITY;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		if (!c->res[0].ops[k].present || !c->res[i].ops[k].present)
			continue;
		struct rpt_work w;
		struct rpt_change ch = rpt_op_change(c, i, k, MMR_STAT_P99);
		char what[96];
		rpt_work_of(c, i, k, &w);
		bool same = rpt_same_code(c, i, k);
		if (isfinite(ch.pct)) {
			snprintf(what, sizeof(what), "%s p99%s", mmr_op_name(k),
				 same ? " (same code as the baseline)" : w.differs ? " (its work differs)" : "");
			set_item(&items[n++], what, &ch, same || w.differs ? 0 : 1);
		}
		if (w.differs && isfinite(w.rate.pct)) {
			snprintf(what, sizeof(what), "%s/s", w.unit);
			set_item(&items[n++], what, &w.rate, 1);
			least = fmin(least, items[n - 1].weight);
		}
	}
	struct rpt_change tp = rpt_tput_change(c, i);
	if (isfinite(tp.pct)) {
		set_item(&items[n], "throughput", &tp, 1);
		items[n].weight = fmin(items[n].weight, least);
		n++;
	}
	return n;
}

/* "76% of move calls failed (0% in the baseline)" or "fallback_sync 108 per 1000 kvfree_rcu calls (12 ...)". */
static void clause(const struct rpt_cmp *c, size_t i, const struct mmr_results_outcome *b,
		   const struct mmr_results_outcome *o, char *buf, size_t len)
{
	double calls_b = 0, calls = 0, done;
	if (o->op >= 0 && !o->work) {
		work_of_run(&c->res[0], (unsigned)o->op, -1, &calls_b, &done);
		work_of_run(&c->res[i], (unsigned)o->op, -1, &calls, &done);
	}
	if (o->failed_calls && calls > 0 && calls_b > 0)
		snprintf(buf, len, "%.0f%% of %s calls failed (%.0f%% in the baseline)", 100 * o->mean / calls,
			 mmr_op_name((unsigned)o->op), 100 * b->mean / calls_b);
	else if (o->op >= 0 && !o->work && calls > 0 && calls_b > 0)
		snprintf(buf, len, "%s %.3g per 1000 %s calls (%.3g in the baseline)", o->key, 1000 * o->mean / calls,
			 mmr_op_name((unsigned)o->op), 1000 * b->mean / calls_b);
	else
		snprintf(buf, len, "%s %.0f %s (%.0f in the baseline)", o->key, o->mean, o->unit, b->mean);
}

/* A material outcome change: its clause, whether for the worse, and its rank (failed calls first). */
struct clause_item {
	char text[160];
	bool worse;
	double rank;
};

static int by_rank(const void *a, const void *b)
{
	double x = ((const struct clause_item *)a)->rank, y = ((const struct clause_item *)b)->rank;
	return (x < y) - (x > y);
}

/*
 * The outcome clauses of engine I into BUF: ", but W1, W2" for the
 * material changes for the worse, "; with B1" for those for the better
 * (at most four and two): failed calls first, then the work ops do, then
 * the rest, each group by the size of the change.
 */
static void outcome_clauses(const struct rpt_cmp *c, size_t i, char *buf, size_t len)
{
	const struct mmr_results *r = &c->res[i];
	struct clause_item *v = calloc(r->noutcomes + 1, sizeof(*v));
	size_t n = 0, at = 0, worse = 0, better = 0;
	buf[0] = '\0';
	for (size_t j = 0; v && j < r->noutcomes; j++) {
		const struct mmr_results_outcome *o = &r->outcomes[j], *b = rpt_outcome_find(&c->res[0], o->key);
		if (!b || o->better == MMR_DIR_NEITHER)
			continue;
		struct rpt_change ch = rpt_outcome_change(c, i, b, o);
		if (!rpt_material(&ch, b->mean, o->mean))
			continue;
		v[n].worse = (o->mean > b->mean) == (o->better == MMR_DIR_FEWER);
		v[n].rank = (o->failed_calls ? 200 : o->work ? 100 : 0) + fmin(99, fabs(log((o->mean + 1) / (b->mean + 1))));
		clause(c, i, b, o, v[n].text, sizeof(v[n].text));
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_rank);
	for (size_t j = 0; j < n && at < len; j++)
		if (v[j].worse && worse < 4)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", worse++ ? ", " : ", but ", v[j].text);
	for (size_t j = 0; j < n && at < len; j++)
		if (!v[j].worse && better < 2)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", better++ ? ", " : "; with ", v[j].text);
	free(v);
}

/* Every outcome engine I and the baseline both have, as items of V. */
static void outcome_items(const struct rpt_cmp *c, size_t i, struct mmr_verdict *v)
{
	v->noutcomes = 0;
	for (size_t j = 0; j < c->res[i].noutcomes && v->noutcomes < MMR_VERDICT_OUTCOMES; j++) {
		const struct mmr_results_outcome *o = &c->res[i].outcomes[j], *b = rpt_outcome_find(&c->res[0], o->key);
		if (!b)
			continue;
		struct rpt_change ch = rpt_outcome_change(c, i, b, o);
		struct mmr_verdict_item *it = &v->outcomes[v->noutcomes++];
		*it = (struct mmr_verdict_item){.pct = ch.pct, .base = b->mean, .value = o->mean, .sig = ch.sig.sig};
		snprintf(it->fig, sizeof(it->fig), "%s", o->key);
	}
}

/* Acquisitions R's locks made in atomic context of a lock that sleeps on PREEMPT_RT (docs/locks.md). */
static uint64_t rt_in_atomic(const struct mmr_results *r)
{
	uint64_t n = 0;
	for (size_t l = 0; l < r->nlocks; l++)
		n += r->locks[l].rt_in_atomic;
	return n;
}

/*
 * Under --kernel rt, when engine I and the baseline differ in whether they
 * take a lock that sleeps on PREEMPT_RT under a raw or bit spinlock (a
 * sleep in atomic context there, whatever the speed): the first "but", or
 * the last "with", of TAIL.
 */
static void rt_clause(const struct rpt_cmp *c, size_t i, char *tail, size_t len)
{
	uint64_t b = rt_in_atomic(&c->res[0]), x = rt_in_atomic(&c->res[i]);
	if (!c->res[0].how.kernel_rt || !c->res[i].how.kernel_rt || (b == 0) == (x == 0))
		return;
	char mine[200], out[1024];
	if (x) {
		snprintf(mine, sizeof(mine), "%llu acquisitions of a lock that sleeps on PREEMPT_RT under a raw or bit "
			 "spinlock (none in the baseline)", (unsigned long long)x);
		const char *but = strstr(tail, ", but ");
		if (but)
			snprintf(out, sizeof(out), "%.*s, but %s, %s", (int)(but - tail), tail, mine, but + 6);
		else
			snprintf(out, sizeof(out), ", but %s%s", mine, tail);
	} else {
		snprintf(mine, sizeof(mine), "no lock that sleeps on PREEMPT_RT taken under a raw or bit spinlock "
			 "(%llu in the baseline)", (unsigned long long)b);
		snprintf(out, sizeof(out), "%s%s%s", tail, strstr(tail, "; with ") ? ", " : "; with ", mine);
	}
	size_t m = strlen(out) < len ? strlen(out) : len - 1;
	memcpy(tail, out, m);
	tail[m] = '\0';
}

/*
 * Under --kernel rt, the acquisitions per run of a lock that sleeps on RT
 * made under a raw or bit spinlock, as an outcome item "rt_in_atomic" (the
 * seed claims judge it): none in every run of one engine and some in the
 * other's is a certain difference, not a sampled one.
 */
static void rt_item(const struct rpt_cmp *c, size_t i, struct mmr_verdict *v)
{
	if (!c->res[0].how.kernel_rt || !c->res[i].how.kernel_rt || v->noutcomes == MMR_VERDICT_OUTCOMES)
		return;
	double runs_b = c->res[0].nruns ? c->res[0].nruns : 1, runs = c->res[i].nruns ? c->res[i].nruns : 1;
	double b = (double)rt_in_atomic(&c->res[0]) / runs_b, x = (double)rt_in_atomic(&c->res[i]) / runs;
	struct mmr_verdict_item *it = &v->outcomes[v->noutcomes++];
	*it = (struct mmr_verdict_item){.pct = b > 0 ? 100 * (x - b) / b : NAN, .base = b, .value = x,
					.sig = (b == 0) != (x == 0) ? MMR_SIG_YES : MMR_SIG_NO};
	snprintf(it->fig, sizeof(it->fig), "rt_in_atomic");
}

void rpt_verdict_line(const struct rpt_cmp *c, size_t i, struct mmr_verdict *v)
{
	struct item items[2 * MMR_OP_COUNT + 1];
	char tail[640];
	size_t n = speed_items(c, i, items), len;
	for (size_t j = 0; j < n; j++)
		items[j].order = j;
	qsort(items, n, sizeof(items[0]), by_weight);
	snprintf(v->engine, sizeof(v->engine), "%s", c->res[i].engine);
	for (v->nitems = 0; v->nitems < n && v->nitems < MMR_VERDICT_ITEMS; v->nitems++) {
		struct mmr_verdict_item *it = &v->items[v->nitems];
		snprintf(it->fig, sizeof(it->fig), "%s", items[v->nitems].fig);
		it->pct = items[v->nitems].pct_v;
		it->sig = items[v->nitems].sig_v;
		it->base = it->value = NAN;
	}
	outcome_items(c, i, v);
	rt_item(c, i, v);
	n = n < 4 ? n : 4;
	len = (size_t)snprintf(v->text, sizeof(v->text), "%s:", c->res[i].engine);
	v->weight = 0;
	for (size_t j = 0; j < n && len < sizeof(v->text); j++) {
		len += (size_t)snprintf(v->text + len, sizeof(v->text) - len, "%s %s %s%s%s (%s)", j ? ";" : "",
					items[j].what, items[j].pct, j ? "" : " vs ", j ? "" : c->res[0].engine,
					items[j].sig);
		v->weight = items[j].weight > v->weight ? items[j].weight : v->weight;
	}
	if (!n && len < sizeof(v->text))
		len += (size_t)snprintf(v->text + len, sizeof(v->text) - len, " nothing to compare with %s",
					c->res[0].engine);
	outcome_clauses(c, i, tail, sizeof(tail));
	rt_clause(c, i, tail, sizeof(tail));
	if (len < sizeof(v->text))
		snprintf(v->text + len, sizeof(v->text) - len, "%s", tail);
}
