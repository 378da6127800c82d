/* SPDX-License-Identifier: MIT */
/*
 * signif.c - whether a difference between two engines is more than the
 * run-to-run noise.  The inputs are per-run figures (a p99, a throughput)
 * from --repeat, a handful each.
 *
 * The verdict comes from the 95% confidence interval of the difference of
 * the means (Welch's, which does not assume equal variances: a locked
 * variant is often far noisier than a lock-free one).  The Mann-Whitney U
 * p-value is given beside it because it needs no normality and shrugs off
 * one wild run; with fewer than four runs a side it can never reach 0.05,
 * which is why it is not the verdict.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_report.h"

/* Two-sided 95% Student t quantile; the integer df below DF (conservative), 1.96 past 30. */
static double t95(double df)
{
	static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
				   2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
				   2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
	unsigned d = df >= 1 ? (unsigned)df : 1;
	return d <= 30 ? t[d - 1] : 1.96;
}

/* Mean and sample variance of the finite values of V; *N of them. */
static void moments(const double *v, unsigned n, unsigned *used, double *mean, double *var)
{
	double s = 0, ss = 0;
	*used = 0;
	for (unsigned i = 0; i < n; i++)
		if (isfinite(v[i])) {
			s += v[i];
			(*used)++;
		}
	*mean = *used ? s / *used : NAN;
	for (unsigned i = 0; i < n; i++)
		if (isfinite(v[i]))
			ss += (v[i] - *mean) * (v[i] - *mean);
	*var = *used > 1 ? ss / (*used - 1) : NAN;
}

void mmr_signif_test(const double *a, unsigned na, const double *b, unsigned nb, struct mmr_signif *s)
{
	double ma, va, mb, vb;
	memset(s, 0, sizeof(*s));
	moments(a, na, &s->na, &ma, &va);
	moments(b, nb, &s->nb, &mb, &vb);
	s->diff = mb - ma;
	s->ci_low = s->ci_high = s->mw_p = NAN;
	s->sig = MMR_SIG_UNKNOWN;
	if (s->na < 2 || s->nb < 2)
		return;
	double qa = va / s->na, qb = vb / s->nb, se = sqrt(qa + qb);
	/* Welch-Satterthwaite degrees of freedom; with no spread at all, the smaller side's. */
	double df = qa + qb > 0 ? (qa + qb) * (qa + qb) /
					  (qa * qa / (s->na - 1) + qb * qb / (s->nb - 1))
				: (double)(s->na < s->nb ? s->na : s->nb) - 1;
	double half = t95(df) * se;
	s->ci_low = s->diff - half;
	s->ci_high = s->diff + half;
	s->sig = s->ci_low > 0 || s->ci_high < 0 ? MMR_SIG_YES : MMR_SIG_NO;
	s->mw_p = mmr_mann_whitney_p(a, na, b, nb);
}

struct ranked {
	double v;
	int side;
};

static int by_value(const void *x, const void *y)
{
	double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;
	return (a > b) - (a < b);
}

/*
 * Exact two-sided p of U = u for sizes M and N: the number of orderings
 * with each U, by the recurrence on whether the largest value is an A or
 * a B, over all C(M+N, M) equally likely orderings.
 */
static double exact_p(unsigned m, unsigned n, double u)
{
	unsigned umax = m * n;
	/* f[i][j][k]: orderings of i A's and j B's with U = k (m + n <= 20: at most 11 x 11 x 101). */
	double *f = calloc((size_t)(m + 1) * (n + 1) * (umax + 1), sizeof(double));
	if (!f)
		return NAN;
#define F(i, j, k) f[((size_t)(i) * (n + 1) + (j)) * (umax + 1) + (k)]
	for (unsigned i = 0; i <= m; i++)
		for (unsigned j = 0; j <= n; j++)
			for (unsigned k = 0; k <= i * j; k++) {
				if (!i || !j) {
					F(i, j, k) = k == 0;
					continue;
				}
				/* Largest an A: it beats all j B's. */
				F(i, j, k) = (k >= j ? F(i - 1, j, k - j) : 0) + F(i, j - 1, k);
			}
	double total = 0, low = 0, high = 0;
	for (unsigned k = 0; k <= umax; k++) {
		total += F(m, n, k);
		low += k <= u ? F(m, n, k) : 0;
		high += k >= u ? F(m, n, k) : 0;
	}
#undef F
	free(f);
	double p = 2 * (low < high ? low : high) / total;
	return p < 1 ? p : 1;
}

double mmr_mann_whitney_p(const double *a, unsigned na, const double *b, unsigned nb)
{
	struct ranked *v = malloc((size_t)(na + nb + 1) * sizeof(*v));
	unsigned n = 0, m1 = 0, m2 = 0;
	if (!v)
		return NAN;
	for (unsigned i = 0; i < na; i++)
		if (isfinite(a[i]))
			v[n++] = (struct ranked){a[i], 0}, m1++;
	for (unsigned i = 0; i < nb; i++)
		if (isfinite(b[i]))
			v[n++] = (struct ranked){b[i], 1}, m2++;
	if (!m1 || !m2) {
		free(v);
		return NAN;
	}
	qsort(v, n, sizeof(*v), by_value);
	/* Midranks for ties; T collects the tie correction sum of (t^3 - t). */
	double ra = 0, ties = 0;
	for (unsigned i = 0; i < n;) {
		unsigned j = i;
		while (j + 1 < n && v[j + 1].v == v[i].v)
			j++;
		double rank = (i + j) / 2.0 + 1, t = j - i + 1;
		for (unsigned k = i; k <= j; k++)
			ra += v[k].side == 0 ? rank : 0;
		ties += t * t * t - t;
		i = j + 1;
	}
	free(v);
	double u = ra - m1 * (m1 + 1) / 2.0; /* pairs where an A beats a B */
	if (ties == 0 && n <= 20)
		return exact_p(m1, m2, u);
	double mean = m1 * m2 / 2.0;
	double var = m1 * m2 / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
	if (var <= 0)
		return 1;
	/* Continuity-corrected z; P(|Z| >= z) through erfc. */
	double z = (fabs(u - mean) - 0.5) / sqrt(var);
	double p = z > 0 ? erfc(z / sqrt(2)) : 1;
	return p < 1 ? p : 1;
}
