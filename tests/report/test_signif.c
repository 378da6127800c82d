/* SPDX-License-Identifier: MIT */
/*
 * test_signif.c - the significance tests against figures worked out by
 * hand: exact Mann-Whitney p-values from counting orderings, Welch
 * intervals from the textbook formula, and the cases with too few runs.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mmr_report.h"

#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

/* Fully separated samples: only the most extreme orderings, 1 of C(m+n, m) each way. */
static void test_mw_exact_separated(void **state)
{
	(void)state;
	double a3[] = {1, 2, 3}, b3[] = {4, 5, 6};
	assert_float_equal(mmr_mann_whitney_p(a3, 3, b3, 3), 2.0 / 20, 1e-12);
	double a5[] = {100, 102, 98, 101, 99}, b5[] = {49, 50, 51, 52, 48};
	assert_float_equal(mmr_mann_whitney_p(a5, 5, b5, 5), 2.0 / 252, 1e-12);
	/* The order of the arguments does not matter for a two-sided test. */
	assert_float_equal(mmr_mann_whitney_p(b5, 5, a5, 5), 2.0 / 252, 1e-12);
}

/*
 * a = {1, 4}, b = {2, 3}: U (pairs where an a beats a b) = 2, the middle
 * of the distribution of U over the 6 orderings {0:1, 1:1, 2:2, 3:1, 4:1}:
 * P(U <= 2) = 4/6 = P(U >= 2), so p = min(1, 2 * 4/6) = 1.
 */
static void test_mw_exact_middle(void **state)
{
	(void)state;
	double a[] = {1, 4}, b[] = {2, 3};
	assert_float_equal(mmr_mann_whitney_p(a, 2, b, 2), 1.0, 1e-12);
	/* a = {1, 3}, b = {2, 4}: U = 1, P(U <= 1) = 2/6, p = 4/6. */
	double c[] = {1, 3}, d[] = {2, 4};
	assert_float_equal(mmr_mann_whitney_p(c, 2, d, 2), 4.0 / 6, 1e-12);
}

/*
 * With ties the normal approximation: a = {1, 2, 2}, b = {2, 3, 4}.
 * Ranks: 1 -> 1, the three 2s -> 3, 3 -> 5, 4 -> 6; R_a = 7, U = 1.
 * Mean 4.5, tie term 3^3 - 3 = 24, variance 9/12 * (7 - 24/30) = 4.65,
 * z = (3.5 - 0.5) / sqrt(4.65) = 1.39122, p = erfc(z / sqrt 2) = 0.16416.
 */
static void test_mw_ties(void **state)
{
	(void)state;
	double a[] = {1, 2, 2}, b[] = {2, 3, 4};
	assert_float_equal(mmr_mann_whitney_p(a, 3, b, 3), 0.16416, 1e-4);
}

static void test_mw_empty_and_nan(void **state)
{
	(void)state;
	double a[] = {1, 2}, b[] = {NAN, NAN};
	assert_true(isnan(mmr_mann_whitney_p(a, 2, b, 2)));
	assert_true(isnan(mmr_mann_whitney_p(a, 0, a, 2)));
	/* NANs are left out: {1, 2, 3} against {4, 5, 6} as in the separated case. */
	double c[] = {1, NAN, 2, 3}, d[] = {4, 5, NAN, 6};
	assert_float_equal(mmr_mann_whitney_p(c, 4, d, 4), 0.1, 1e-12);
}

/*
 * Welch: a = {100, 102, 98, 101, 99} (mean 100, variance 2.5), b = {49..52,
 * 48} (mean 50, variance 2.5).  Standard error sqrt(0.5 + 0.5) = 1, degrees
 * of freedom 1 / (2 * 0.25 / 4) = 8, t(0.975, 8) = 2.306.
 */
static void test_welch_interval(void **state)
{
	(void)state;
	double a[] = {100, 102, 98, 101, 99}, b[] = {49, 50, 51, 52, 48};
	struct mmr_signif s;
	mmr_signif_test(a, 5, b, 5, &s);
	assert_int_equal(s.na, 5);
	assert_int_equal(s.nb, 5);
	assert_float_equal(s.diff, -50, 1e-9);
	assert_float_equal(s.ci_low, -52.306, 1e-9);
	assert_float_equal(s.ci_high, -47.694, 1e-9);
	assert_int_equal(s.sig, MMR_SIG_YES);
	assert_float_equal(s.mw_p, 2.0 / 252, 1e-12);
}

/* Overlapping samples whose interval spans 0. */
static void test_welch_not_significant(void **state)
{
	(void)state;
	double a[] = {10, 14, 9, 13}, b[] = {11, 15, 8, 12};
	struct mmr_signif s;
	mmr_signif_test(a, 4, b, 4, &s);
	assert_float_equal(s.diff, 0, 1e-9);
	assert_true(s.ci_low < 0 && s.ci_high > 0);
	assert_int_equal(s.sig, MMR_SIG_NO);
}

/* Unequal variances: Welch's degrees of freedom, not the pooled n - 2. */
static void test_welch_unequal(void **state)
{
	(void)state;
	/* a: mean 10, variance 0 ... made 1 by {9, 10, 11}; b: {0, 20, 40}, mean 20, variance 400. */
	double a[] = {9, 10, 11}, b[] = {0, 20, 40};
	struct mmr_signif s;
	mmr_signif_test(a, 3, b, 3, &s);
	/* se^2 = 1/3 + 400/3 = 133.67; df = 133.67^2 / ((1/9)/2 + (160000/9)/2) = 2.01 -> t(2) = 4.303. */
	double se = sqrt(401.0 / 3), half = 4.303 * se;
	assert_float_equal(s.ci_low, 10 - half, 1e-6);
	assert_float_equal(s.ci_high, 10 + half, 1e-6);
	assert_int_equal(s.sig, MMR_SIG_NO);
}

/* No spread at all: the interval is the difference itself. */
static void test_no_spread(void **state)
{
	(void)state;
	double a[] = {5, 5, 5}, b[] = {6, 6, 6}, c[] = {5, 5, 5};
	struct mmr_signif s;
	mmr_signif_test(a, 3, b, 3, &s);
	assert_int_equal(s.sig, MMR_SIG_YES);
	mmr_signif_test(a, 3, c, 3, &s);
	assert_int_equal(s.sig, MMR_SIG_NO);
}

static void test_too_few_runs(void **state)
{
	(void)state;
	double a[] = {1}, b[] = {2, 3}, nan2[] = {NAN, 4};
	struct mmr_signif s;
	mmr_signif_test(a, 1, b, 2, &s);
	assert_int_equal(s.sig, MMR_SIG_UNKNOWN);
	assert_true(isnan(s.ci_low) && isnan(s.mw_p));
	assert_float_equal(s.diff, 1.5, 1e-12);
	mmr_signif_test(b, 2, nan2, 2, &s);
	assert_int_equal(s.nb, 1);
	assert_int_equal(s.sig, MMR_SIG_UNKNOWN);
	mmr_signif_test(b, 0, b, 2, &s);
	assert_int_equal(s.na, 0);
	assert_int_equal(s.sig, MMR_SIG_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mw_exact_separated), cmocka_unit_test(test_mw_exact_middle),
		cmocka_unit_test(test_mw_ties),            cmocka_unit_test(test_mw_empty_and_nan),
		cmocka_unit_test(test_welch_interval),     cmocka_unit_test(test_welch_not_significant),
		cmocka_unit_test(test_welch_unequal),      cmocka_unit_test(test_no_spread),
		cmocka_unit_test(test_too_few_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
