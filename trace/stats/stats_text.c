/* SPDX-License-Identifier: MIT */
/*
 * stats_text.c - the human report, laid out like `perf kmem stat --caller
 * --alloc`: a SUMMARY of figures, then tables with aligned columns (ops per
 * family, per-family totals, page orders, top call sites) and the lifetime
 * percentiles.  The same figures as the JSON; docs/stats-json.md describes
 * both.  Numbers are grouped by thousands (1,234,567) whatever the locale,
 * so reports compare across machines.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"

/* Longest symbol shown in the call-site table; longer ones keep their start. */
#define TEXT_SYM_MAX 40
/* Width of the labels in the SUMMARY: the longest one fits. */
#define TEXT_LABEL_W 46

/* V with thousands separators into BUF (at least 32 bytes).  Returns BUF. */
static char *grp(char *buf, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* NS as a short human duration ("12.3 us") into BUF (at least 32 bytes).  Returns BUF. */
static char *human_ns(char *buf, uint64_t ns)
{
	static const struct {
		const char *unit;
		double div;
	} units[] = {{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if ((double)ns >= units[i].div) {
			snprintf(buf, 32, "%.3g %s", (double)ns / units[i].div, units[i].unit);
			return buf;
		}
	}
	snprintf(buf, 32, "%" PRIu64 " ns", ns);
	return buf;
}

/* One "label: value" line of the summary, values aligned in one column. */
__attribute__((format(printf, 3, 4))) static void kv(FILE *f, const char *label, const char *fmt,
						     ...)
{
	va_list ap;
	fprintf(f, "  %-*s ", TEXT_LABEL_W, label);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* ---- tables -------------------------------------------------------------- */

struct col {
	const char *name;
	int width; /* at least strlen(name) */
	bool left; /* text columns align left, numbers right */
};

static void table_rule(FILE *f, const struct col *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < c[i].width + 2; k++)
			fputc('-', f);
		fputc(i + 1 < n ? '+' : '\n', f);
	}
}

static void table_row(FILE *f, const struct col *c, size_t n, const char *const *cells)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %*s %s", c[i].left ? -c[i].width : c[i].width, cells[i],
			i + 1 < n ? "|" : "\n");
}

static void table_head(FILE *f, const struct col *c, size_t n)
{
	const char *names[16];
	for (size_t i = 0; i < n && i < 16; i++)
		names[i] = c[i].name;
	table_rule(f, c, n);
	table_row(f, c, n, names);
	table_rule(f, c, n);
}

/* ---- sections ------------------------------------------------------------ */

static void print_trace(FILE *f, const struct mmr_reader *r)
{
	const struct mmr_meta *m = mmr_reader_meta(r);
	char b[32];
	kv(f, "Kernel:", "%s", m->kernel_release && *m->kernel_release ? m->kernel_release : "(unknown)");
	kv(f, "Clock / CPUs:", "%s / %" PRIu32, m->clock ? m->clock : "(unknown)", m->nr_cpus);
	kv(f, "Source:", "%s", m->source ? m->source : "(unknown)");
	if (m->lost) {
		uint64_t lost = 0;
		for (uint32_t c = 0; c < m->nr_cpus; c++)
			lost += m->lost[c];
		kv(f, "Lost events:", "%s", grp(b, lost));
	} else {
		kv(f, "Lost events:", "unknown (the writer did not finish)");
	}
}

static void print_slab(FILE *f, const struct mmr_stats *s)
{
	const struct stats_family *sl = &s->fam[MMR_FAM_SLAB];
	char a[32], b[32];
	fprintf(f, "\nSLAB allocator\n");
	kv(f, "Total bytes requested:", "%s", grp(a, sl->bytes_req));
	kv(f, "Total bytes allocated:", "%s", grp(a, sl->bytes_alloc));
	kv(f, "Total bytes freed:", "%s", grp(a, sl->bytes_freed));
	kv(f, "Net total bytes allocated:", "%s", grp(a, sl->bytes_alloc - sl->bytes_freed));
	kv(f, "Total bytes wasted on internal fragmentation:", "%s",
	   sl->bytes_alloc >= sl->bytes_req ? grp(a, sl->bytes_alloc - sl->bytes_req) : "0");
	kv(f, "Internal fragmentation:", "%.3f%%", stats_frag_pct(sl->bytes_req, sl->bytes_alloc));
	kv(f, "Allocations / frees:", "%s / %s", grp(a, sl->allocs), grp(b, sl->frees));
	kv(f, "Cross CPU frees:", "%s/%s", grp(a, sl->cross_cpu_frees),
	   grp(b, sl->frees - sl->unmatched_frees));
	kv(f, "Unmatched frees / allocs:", "%s / %s", grp(a, sl->unmatched_frees),
	   grp(b, sl->unmatched_allocs));
	kv(f, "NULL frees / failed allocs:", "%s / %s", grp(a, s->slab_null_frees),
	   grp(b, s->fam[MMR_FAM_SLAB].failed_allocs));
	kv(f, "Live at end:", "%s objects, %s bytes", grp(a, sl->nobjs), grp(b, sl->live_bytes));
}

static void print_page(FILE *f, const struct mmr_stats *s)
{
	const struct stats_family *pg = &s->fam[MMR_FAM_PAGE];
	char a[32], b[32];
	fprintf(f, "\nPAGE allocator\n");
	kv(f, "Allocations / frees:", "%s / %s", grp(a, pg->allocs), grp(b, pg->frees));
	kv(f, "Total bytes allocated / freed:", "%s / %s", grp(a, pg->bytes_alloc),
	   grp(b, pg->bytes_freed));
	kv(f, "Cross CPU frees:", "%s/%s", grp(a, pg->cross_cpu_frees),
	   grp(b, pg->frees - pg->unmatched_frees));
	kv(f, "Unmatched frees / allocs:", "%s / %s", grp(a, pg->unmatched_frees),
	   grp(b, pg->unmatched_allocs));
	kv(f, "Live at end:", "%s pages, %s bytes", grp(a, pg->live_bytes / STATS_PAGE_SIZE),
	   grp(b, pg->live_bytes));
}

static void print_summary(FILE *f, const struct mmr_stats *s, const struct mmr_reader *r)
{
	char a[32], b[32];
	uint64_t matched = 0;
	for (unsigned i = 0; i < MMR_FAM_COUNT; i++)
		matched += s->fam[i].frees - s->fam[i].unmatched_frees;

	fprintf(f, "SUMMARY\n=======\n");
	kv(f, "Events:", "%s over %s", grp(a, s->events), human_ns(b, stats_duration_ns(s)));
	if (r)
		print_trace(f, r);
	print_slab(f, s);
	print_page(f, s);
	fprintf(f, "\nAll families\n");
	kv(f, "Cross CPU frees:", "%s/%s", grp(a, stats_cross_cpu_frees(s)), grp(b, matched));
	kv(f, "Live at end:", "%s objects, %s bytes", grp(a, stats_live_objects(s)),
	   grp(b, stats_live_bytes(s)));
	if (!s->invalid.total)
		return;
	kv(f, "Out of range:", "%s events, left out of every figure (docs/trace-format.md)",
	   grp(a, s->invalid.total));
	unsigned why, fam, op;
	uint64_t n;
	for (size_t pos = 0; mmr_invalid_next(&s->invalid, &pos, &why, &fam, &op, &n);)
		fprintf(f, "  %s %s %s: %s\n", grp(a, n), mmr_family_name(fam), mmr_op_name(op),
			mmr_event_invalid_name(why));
}

static void print_ops(FILE *f, const struct mmr_stats *s)
{
	struct col c[] = {{"Family", 10, true}, {"Op", 16, true}, {"Count", 14, false},
			  {"Share", 8, false}};
	char cnt[32], share[16];
	fprintf(f, "\nEvents by family and op\n");
	table_head(f, c, 4);
	for (unsigned i = 0; i < MMR_FAM_COUNT; i++) {
		for (unsigned op = 0; op < MMR_OP_COUNT; op++) {
			uint64_t n = s->fam[i].ops[op];
			if (!n)
				continue;
			snprintf(share, sizeof(share), "%.2f%%", 100.0 * (double)n / (double)s->events);
			const char *cells[] = {mmr_family_name(i), mmr_op_name(op), grp(cnt, n), share};
			table_row(f, c, 4, cells);
		}
	}
	table_rule(f, c, 4);
}

static void print_families(FILE *f, const struct mmr_stats *s)
{
	struct col c[] = {{"Family", 10, true},    {"Allocs", 12, false}, {"Frees", 12, false},
			  {"Unmatched", 10, false}, {"Cross-CPU", 10, false},
			  {"Live objs", 12, false}, {"Live bytes", 16, false}};
	char v[6][32];
	fprintf(f, "\nObjects by family\n");
	table_head(f, c, 7);
	for (unsigned i = 0; i < MMR_FAM_COUNT; i++) {
		const struct stats_family *fm = &s->fam[i];
		if (!fm->events || i == MMR_FAM_LOCK) /* no objects: its own table below */
			continue;
		const char *cells[] = {mmr_family_name(i),		grp(v[0], fm->allocs),
				       grp(v[1], fm->frees),		grp(v[2], fm->unmatched_frees),
				       grp(v[3], fm->cross_cpu_frees), grp(v[4], fm->nobjs),
				       grp(v[5], fm->live_bytes)};
		table_row(f, c, 7, cells);
	}
	table_rule(f, c, 7);
}

static void print_orders(FILE *f, const struct mmr_stats *s)
{
	struct col c[] = {{"Order", 5, false}, {"Allocs", 14, false}, {"Pages", 16, false}};
	char o[8], a[32], p[32];
	fprintf(f, "\nPage allocations by order\n");
	table_head(f, c, 3);
	for (unsigned k = 0; k < STATS_ORDERS; k++) {
		uint64_t n = s->page_by_order[k];
		if (!n)
			continue;
		snprintf(o, sizeof(o), "%u", k);
		const char *cells[] = {o, grp(a, n), k < 64 && n <= (UINT64_MAX >> k) ? grp(p, n << k) : "-"};
		table_row(f, c, 3, cells);
	}
	table_rule(f, c, 3);
}

/* "total/per" as perf prints Total_alloc/Per. */
static char *total_per(char *buf, size_t len, uint64_t total, uint64_t n)
{
	char t[32];
	snprintf(buf, len, "%s/%" PRIu64, grp(t, total), n ? total / n : 0);
	return buf;
}

static void print_sites(FILE *f, const struct mmr_stats *s, const struct mmr_reader *r)
{
	uint32_t idx[STATS_TOP_SITES];
	size_t n = stats_top_sites(s, idx, STATS_TOP_SITES);
	char name[STATS_TOP_SITES][TEXT_SYM_MAX + 1];
	struct col c[] = {{"Callsite", 18, true},	  {"Total_alloc/Per", 15, false},
			  {"Total_req/Per", 15, false}, {"Hit", 10, false},
			  {"Frees", 10, false},		  {"Ping-pong", 9, false},
			  {"Frag", 8, false}};
	for (size_t i = 0; i < n; i++) {
		const struct stats_site *site = &s->sites[idx[i]];
		const char *sym = r ? mmr_reader_symbol(r, site->addr) : NULL;
		if (sym)
			snprintf(name[i], sizeof(name[i]), "%s", sym);
		else
			snprintf(name[i], sizeof(name[i]), "0x%" PRIx64, site->addr);
		if ((int)strlen(name[i]) > c[0].width)
			c[0].width = (int)strlen(name[i]);
	}
	fprintf(f, "\nTop call sites by bytes allocated\n");
	table_head(f, c, 7);
	for (size_t i = 0; i < n; i++) {
		const struct stats_site *site = &s->sites[idx[i]];
		char ta[48], tr[48], hit[32], fr[32], pp[32], frag[16];
		snprintf(frag, sizeof(frag), "%.3f%%", stats_frag_pct(site->bytes_req, site->bytes_alloc));
		const char *cells[] = {name[i],
				       total_per(ta, sizeof(ta), site->bytes_alloc, site->allocs),
				       total_per(tr, sizeof(tr), site->bytes_req, site->allocs),
				       grp(hit, site->allocs),
				       grp(fr, site->frees),
				       grp(pp, site->cross_cpu_frees),
				       frag};
		table_row(f, c, 7, cells);
	}
	table_rule(f, c, 7);
}

/*
 * V rounded to an integer of ns.  A mean of lifetimes near 2^64 ns (a
 * timestamp near the top of its range) rounds to 2^64 as a double, which
 * no uint64_t holds: the conversion was undefined (issue 15, fuzz_reader).
 */
static uint64_t round_ns(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 0x1p64 ? UINT64_MAX : (uint64_t)(v + 0.5 < 0x1p64 ? v + 0.5 : v);
}

static void print_lifetime(FILE *f, const struct mmr_stats *s)
{
	const struct mmr_hist *h = &s->lifetime;
	static const struct {
		const char *label;
		double p;
	} rows[] = {{"p50:", 50}, {"p90:", 90}, {"p99:", 99}};
	char a[32], b[32];
	fprintf(f, "\nObject lifetime (alloc to free), %s matched objects\n", grp(a, h->count));
	if (!h->count)
		return;
	kv(f, "min:", "%s ns (%s)", grp(a, h->min), human_ns(b, h->min));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t v = mmr_hist_percentile(h, rows[i].p);
		kv(f, rows[i].label, "%s ns (%s)", grp(a, v), human_ns(b, v));
	}
	kv(f, "max:", "%s ns (%s)", grp(a, h->max), human_ns(b, h->max));
	uint64_t mean = round_ns(mmr_hist_mean(h));
	kv(f, "mean:", "%s ns (%s)", grp(a, mean), human_ns(b, mean));
}

/*
 * NS as `perf lock contention` prints a wait ("676 ns", "1.12 us", "24.68
 * ms"), so the two tables read alike, digit for digit: perf divides in
 * single precision (125405 ns prints as 125.40 us), and so does this.
 */
static char *wait_ns(char *buf, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, 32, "%" PRIu64 " ns", ns);
	else
		snprintf(buf, 32, "%.2f %s", (double)((float)ns / (ns < 1000000 ? 1e3f : ns < 1000000000 ? 1e6f : 1e9f)),
			 ns < 1000000 ? "us" : ns < 1000000000 ? "ms" : "s");
	return buf;
}

/*
 * One lock's row: the columns of `perf lock contention`, then the lock,
 * named (stats_lock_name) or by address, and its most frequent caller.
 */
static void print_lock_row(FILE *f, const struct col *c, const struct stats_lock_row *l,
			   const struct mmr_reader *r)
{
	char n[32], tot[32], max[32], avg[32], addr[24], site[24];
	const char *name = stats_lock_name(l, r);
	const char *csym = l->caller && r ? mmr_reader_symbol(r, l->caller) : NULL;
	snprintf(addr, sizeof(addr), "0x%" PRIx64, l->addr);
	snprintf(site, sizeof(site), "0x%" PRIx64, l->caller);
	const char *cells[] = {grp(n, l->contended), wait_ns(tot, l->wait_total), wait_ns(max, l->wait_max),
			       wait_ns(avg, l->acquired ? l->wait_total / l->acquired : 0),
			       mmr_lock_type_name(l->flags), name ? name : addr,
			       csym ? csym : l->caller ? site : "-"};
	table_row(f, c, 7, cells);
}

static void print_locks(FILE *f, const struct mmr_stats *s, const struct mmr_reader *r)
{
	const struct stats_locks *l = &s->locks;
	struct col c[] = {{"contended", 10, false}, {"total wait", 12, false}, {"max wait", 12, false},
			  {"avg wait", 12, false},  {"type", 11, false},	{"lock", 20, true},
			  {"caller", 24, true}};
	char a[32], b[32], w[32];
	uint32_t *idx;
	size_t n = stats_locks_order(l, &idx);
	fprintf(f, "\nKernel lock contention (lock:contention_begin/end), %s waits on %s locks, %s waited\n",
		grp(a, stats_locks_contended(l)), grp(b, n), wait_ns(w, stats_locks_wait(l)));
	if (!idx) {
		fprintf(f, "  (out of memory: the table is left out)\n");
		return;
	}
	table_head(f, c, 7);
	for (size_t i = 0; i < n && i < STATS_TOP_LOCKS; i++)
		print_lock_row(f, c, &l->rows[idx[i]], r);
	table_rule(f, c, 7);
	free(idx);
	if (n > STATS_TOP_LOCKS)
		fprintf(f, "  %s more locks: stats --json lists them all\n", grp(a, n - STATS_TOP_LOCKS));
	if (l->nwaits || l->unmatched_ends)
		fprintf(f, "  %s waits still going at the end (counted, no wait time); %s ends whose begin is not in the trace\n",
			grp(a, l->nwaits), grp(b, l->unmatched_ends));
}

void mmr_stats_print(const struct mmr_stats *s, const struct mmr_reader *r, FILE *f)
{
	print_summary(f, s, r);
	print_ops(f, s);
	print_families(f, s);
	if (s->fam[MMR_FAM_PAGE].allocs)
		print_orders(f, s);
	print_sites(f, s, r);
	print_lifetime(f, s);
	if (s->fam[MMR_FAM_LOCK].events)
		print_locks(f, s, r);
}
