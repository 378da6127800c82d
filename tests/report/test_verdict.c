/* SPDX-License-Identifier: MIT */
/*
 * test_verdict.c - the verdict lines from results built by hand: a faster
 * variant that failed more of its work gets the "but" clause and is
 * ranked by the work it did per second, not by its raw speed; a change
 * no larger than what same-code ops or an A/A split show is called noise,
 * not significant; an op run with the baseline's code weighs nothing; a
 * verdict that holds at every tested cost is labelled robust, one that
 * flips says where, and one the control re-run does not repeat says so;
 * a seed claim agrees, disagrees or is inconclusive as its figure moved.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

#define RUNS 4

/* An engine's results of RUNS runs of 1 s each, with THROUGHPUT ops/s each run. */
static void engine(struct mmr_results *r, const char *name, double throughput)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->engine, sizeof(r->engine), "%s", name);
	r->nruns = RUNS;
	r->timing = true;
	r->wall_ns = 1e9;
	r->throughput = throughput;
	r->run_throughput = calloc(RUNS, sizeof(double));
	r->run_wall_ns = calloc(RUNS, sizeof(double));
	for (unsigned q = 0; q < RUNS; q++) {
		r->run_throughput[q] = throughput * (1 + 0.01 * (q % 2 ? 1 : -1)); /* +-1%: a tight spread */
		r->run_wall_ns[q] = 1e9;
	}
}

/* Op K with CALLS a run and p99 P99 ns (each run within +-SPREAD of it), FAILED of them failed each run. */
static void op(struct mmr_results *r, unsigned k, double calls, double p99, double spread, double failed,
	       const char *same_code)
{
	struct mmr_results_op *o = &r->ops[k];
	o->present = true;
	o->count = (uint64_t)(calls * RUNS);
	o->failed = (uint64_t)(failed * RUNS);
	snprintf(o->same_code, sizeof(o->same_code), "%s", same_code ? same_code : "");
	for (unsigned s = 0; s < MMR_STAT_COUNT; s++) {
		o->stat[s] = p99;
		o->runs[s] = calloc(RUNS, sizeof(double));
		for (unsigned q = 0; q < RUNS; q++)
			o->runs[s][q] = p99 * (1 + spread * (q % 2 ? 1 : -1));
	}
	o->run_count = calloc(RUNS, sizeof(double));
	for (unsigned q = 0; q < RUNS; q++)
		o->run_count[q] = calls;
	/* Its failed calls, as the reader adds them for every op. */
	r->outcomes = realloc(r->outcomes, (r->noutcomes + 1) * sizeof(*r->outcomes));
	struct mmr_results_outcome *f = &r->outcomes[r->noutcomes++];
	memset(f, 0, sizeof(*f));
	snprintf(f->key, sizeof(f->key), "%s.failed", mmr_op_name(k));
	snprintf(f->unit, sizeof(f->unit), "calls");
	f->better = MMR_DIR_FEWER;
	f->op = (int)k;
	f->failed_calls = true;
	f->mean = failed;
	f->runs = calloc(RUNS, sizeof(double));
	for (unsigned q = 0; q < RUNS; q++)
		f->runs[q] = failed;
}

struct fixture {
	struct mmr_results res[3];
	struct mmr_compare_opts o;
	struct rpt_cmp c;
};

static void compare(struct fixture *f, size_t n, bool aa)
{
	f->o.aa = aa;
	f->c = (struct rpt_cmp){.o = &f->o, .res = f->res, .n = n};
	rpt_noise_measure(&f->c);
}

static void done(struct fixture *f)
{
	for (size_t i = 0; i < f->c.n; i++)
		mmr_results_free(&f->res[i]);
	rpt_noise_free(&f->c);
}

/* The attach-pin case of issue 16: four times the throughput, because 76% of its moves failed and cost nothing. */
static void test_faster_with_failures_gets_but(void **state)
{
	(void)state;
	struct fixture f = {0};
	engine(&f.res[0], "pin-on-vmap", 100);
	op(&f.res[0], MMR_OP_MOVE, 1000, 100000, 0.01, 0, NULL);
	engine(&f.res[1], "pin-on-attach", 400);
	op(&f.res[1], MMR_OP_MOVE, 1000, 100, 0.01, 760, NULL);
	f.res[1].wall_ns = 0.25e9;
	for (unsigned q = 0; q < RUNS; q++)
		f.res[1].run_wall_ns[q] = 0.25e9;
	compare(&f, 2, false);
	struct mmr_verdict v;
	rpt_verdict_line(&f.c, 1, &v);
	if (!strstr(v.text, "throughput +300% (significant)") ||
	    !strstr(v.text, ", but 76% of move calls failed (0% in the baseline)"))
		fail_msg("no 'but' clause with the failures: %s", v.text);
	/* 240 successful moves in 0.25 s against 1000 in 1 s: -4%, which is what the line leads with and weighs. */
	const char *lead = "pin-on-attach: successful move calls/s -4.0% vs pin-on-vmap (significant)";
	if (strncmp(v.text, lead, strlen(lead)) != 0)
		fail_msg("not led by the work done per second: %s", v.text);
	assert_true(v.weight < 0.05);
	/* Without the failures, the same speed ranks as what it is. */
	f.res[1].outcomes[0].mean = 0;
	for (unsigned q = 0; q < RUNS; q++)
		f.res[1].outcomes[0].runs[q] = 0;
	rpt_verdict_line(&f.c, 1, &v);
	assert_null(strstr(v.text, "but"));
	assert_true(v.weight > 1.0);
	done(&f);
}

/*
 * The variant's alloc runs the baseline's code and its p99 moves 20%;
 * its free p99 moves 15%, tightly: significant by the interval, but no
 * more than the noise the same code showed.  A 40% change is a finding.
 */
static void test_same_code_sets_the_floor(void **state)
{
	(void)state;
	struct fixture f = {0};
	engine(&f.res[0], "mutex", 1000);
	op(&f.res[0], MMR_OP_ALLOC, 1000, 1000, 0.01, 0, "alloc-code");
	op(&f.res[0], MMR_OP_FREE, 1000, 1000, 0.01, 0, NULL);
	op(&f.res[0], MMR_OP_RELEASE, 1000, 1000, 0.01, 0, NULL);
	engine(&f.res[1], "spinlock", 1100);
	op(&f.res[1], MMR_OP_ALLOC, 1000, 1200, 0.01, 0, "alloc-code");
	op(&f.res[1], MMR_OP_FREE, 1000, 850, 0.01, 0, NULL);
	op(&f.res[1], MMR_OP_RELEASE, 1000, 600, 0.01, 0, NULL);
	compare(&f, 2, false);
	assert_true(fabs(rpt_noise_floor(&f.c, 1, MMR_STAT_P99) - 20) < 1e-9);
	assert_int_equal(f.c.noise.tests, MMR_STAT_COUNT);
	assert_int_equal(f.c.noise.false_pos, MMR_STAT_COUNT); /* a tight 20% is "significant" by the interval */
	assert_int_equal(rpt_op_change(&f.c, 1, MMR_OP_FREE, MMR_STAT_P99).sig.sig, MMR_SIG_NOISE);
	assert_int_equal(rpt_op_change(&f.c, 1, MMR_OP_RELEASE, MMR_STAT_P99).sig.sig, MMR_SIG_YES);
	struct mmr_verdict v;
	rpt_verdict_line(&f.c, 1, &v);
	const char *lead = "spinlock: release p99 -40% vs mutex (significant)";
	if (strncmp(v.text, lead, strlen(lead)) != 0 || !strstr(v.text, "free p99 -15% (within the noise floor)"))
		fail_msg("%s", v.text);
	/* The same-code op is shown as such, last: it weighs nothing. */
	const char *same = strstr(v.text, "alloc p99 (same code as the baseline) +20% (within the noise floor)");
	const char *tput = strstr(v.text, "throughput +10% (significant)");
	if (!same || !tput || same < tput)
		fail_msg("%s", v.text);
	done(&f);
}

/* --aa: the baseline's runs split in two; 850 against 1150 (+35%) floors every pair. */
static void test_aa_split(void **state)
{
	(void)state;
	struct fixture f = {0};
	engine(&f.res[0], "base", 1000);
	op(&f.res[0], MMR_OP_ALLOC, 1000, 1000, 0.15, 0, NULL); /* even runs 850, odd 1150 */
	engine(&f.res[1], "other", 1000);
	op(&f.res[1], MMR_OP_ALLOC, 1000, 1300, 0.01, 0, NULL);
	compare(&f, 2, false);
	/* Without the A/A test, the 30% is taken at its word... */
	assert_int_equal(rpt_op_change(&f.c, 1, MMR_OP_ALLOC, MMR_STAT_P99).sig.sig, MMR_SIG_YES);
	rpt_noise_free(&f.c);
	compare(&f, 2, true);
	/* ...with it, it is no more than the baseline differs from itself. */
	assert_true(fabs(rpt_noise_floor(&f.c, 1, MMR_STAT_P99) - 100 * 300.0 / 850) < 1e-6);
	assert_int_equal(rpt_op_change(&f.c, 1, MMR_OP_ALLOC, MMR_STAT_P99).sig.sig, MMR_SIG_NOISE);
	assert_int_equal(f.c.noise.aa_tests, MMR_STAT_COUNT + 1);
	/* Each half has no spread at all, so the interval calls every difference between them real. */
	assert_int_equal(f.c.noise.aa_false_pos, MMR_STAT_COUNT + 1);
	done(&f);
}

/* A comparison's result holding one verdict: ENGINE's FIG changed PCT% with SIG. */
static void point_result(struct mmr_compare_result *res, struct mmr_verdict *v, const char *fig, double pct,
			 enum mmr_sig sig)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->engine, sizeof(v->engine), "spin");
	snprintf(v->items[0].fig, sizeof(v->items[0].fig), "%s", fig);
	v->items[0].pct = pct;
	v->items[0].sig = sig;
	v->nitems = 1;
	*res = (struct mmr_compare_result){.verdicts = v, .nverdicts = 1};
}

/* The label rpt_robust_label gives spin's "release p99 -50% (significant)" against points at PCTS (control first). */
static void label_with(const double *pcts, const enum mmr_sig *sigs, char *out, size_t n)
{
	struct mmr_compare_result res[3];
	struct mmr_verdict pv[3], v;
	static const char *const keys[] = {"", "flush_ns", "flush_ns"};
	static const double values[] = {NAN, 500, 100000};
	struct mmr_robust_point pts[3];
	for (size_t p = 0; p < 3; p++) {
		point_result(&res[p], &pv[p], "release p99", pcts[p], sigs[p]);
		pts[p] = (struct mmr_robust_point){.key = keys[p], .value = values[p], .lo = 500, .hi = 100000, .res = &res[p]};
	}
	struct mmr_robust rb = {.points = pts, .n = 3};
	struct mmr_compare_opts o = {.robust = &rb};
	struct rpt_cmp c = {.o = &o};
	struct mmr_compare_result self;
	point_result(&self, &v, "release p99", -50, MMR_SIG_YES);
	snprintf(v.text, sizeof(v.text), "spin: release p99 -50%% vs mutex (significant)");
	rpt_robust_label(&c, &v);
	snprintf(out, n, "%s", v.text);
}

static void test_robust_labels(void **state)
{
	(void)state;
	char text[1280];
	label_with((const double[]){-48, -40, -55}, (const enum mmr_sig[]){MMR_SIG_YES, MMR_SIG_YES, MMR_SIG_YES}, text,
		   sizeof(text));
	assert_string_equal(text, "spin: release p99 -50% vs mutex (significant) [robust: release p99 holds at all 2 "
				  "tested values of 1 cost]");
	/* At the high end the change is no longer significant: it depends on the flush's cost. */
	label_with((const double[]){-48, -40, -5}, (const enum mmr_sig[]){MMR_SIG_YES, MMR_SIG_YES, MMR_SIG_NO}, text,
		   sizeof(text));
	assert_string_equal(text, "spin: release p99 -50% vs mutex (significant) [depends on flush_ns: holds only while "
				  "flush_ns <= 500 (fails at 100000)]");
	/* Replayed as it was, it flips: no assumption is to blame. */
	label_with((const double[]){+3, -40, -55}, (const enum mmr_sig[]){MMR_SIG_NO, MMR_SIG_YES, MMR_SIG_YES}, text,
		   sizeof(text));
	assert_string_equal(text, "spin: release p99 -50% vs mutex (significant) [does not reproduce: replayed again "
				  "as it was, release p99 does not hold]");
}

/* The claim "spin's FIG is lower (EXPECT -1) or higher" against a comparison where it moved PCT with SIG. */
static enum mmr_agreement judge(const char *fig, int expect, double pct, enum mmr_sig sig, bool outcome, double base,
				double value)
{
	struct mmr_compare_result res;
	struct mmr_verdict v;
	point_result(&res, &v, "release p99", -50, MMR_SIG_YES);
	if (outcome) {
		v.outcomes[0] = (struct mmr_verdict_item){.pct = pct, .base = base, .value = value, .sig = sig};
		snprintf(v.outcomes[0].fig, sizeof(v.outcomes[0].fig), "%s", fig);
		v.noutcomes = 1;
	} else {
		v.items[0].pct = pct;
		v.items[0].sig = sig;
	}
	struct mmr_claim c = {.family = "cma", .claim = "c", .where = "w", .engine = "spin", .figure = fig, .expect = expect};
	struct mmr_claim_result r;
	mmr_claim_judge(&c, &res, "mutex", &r);
	return r.agreement;
}

static void test_claims_judged(void **state)
{
	(void)state;
	assert_int_equal(judge("release p99", -1, -50, MMR_SIG_YES, false, NAN, NAN), MMR_AGREES);
	assert_int_equal(judge("release p99", +1, -50, MMR_SIG_YES, false, NAN, NAN), MMR_DISAGREES);
	assert_int_equal(judge("release p99", -1, -50, MMR_SIG_NO, false, NAN, NAN), MMR_INCONCLUSIVE);
	assert_int_equal(judge("release p99", -1, -50, MMR_SIG_NOISE, false, NAN, NAN), MMR_INCONCLUSIVE);
	assert_int_equal(judge("alloc p99", -1, -50, MMR_SIG_YES, false, NAN, NAN), MMR_INCONCLUSIVE); /* not there */
	/* An outcome from 0 has no percentage: its direction is the values'. */
	assert_int_equal(judge("moved_while_mapped", +1, NAN, MMR_SIG_YES, true, 0, 4.8), MMR_AGREES);
	assert_int_equal(judge("atomic_sleeps", -1, NAN, MMR_SIG_YES, true, 0, 3), MMR_DISAGREES);
	assert_int_equal(judge("atomic_sleeps", -1, 0, MMR_SIG_UNKNOWN, true, 0, 0), MMR_INCONCLUSIVE);
	struct mmr_claim u = {.family = "cma", .claim = "c", .where = "w", .untestable = true, .note = "no irqs"};
	struct mmr_claim_result r;
	mmr_claim_judge(&u, NULL, "mutex", &r);
	assert_int_equal(r.agreement, MMR_UNTESTABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faster_with_failures_gets_but),
		cmocka_unit_test(test_same_code_sets_the_floor),
		cmocka_unit_test(test_aa_split),
		cmocka_unit_test(test_robust_labels),
		cmocka_unit_test(test_claims_judged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
