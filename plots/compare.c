/* SPDX-License-Identifier: MIT */
/*
 * compare.c - mmr_compare: several engines' replays of one trace, side by
 * side against a baseline, with the changes that the run-to-run noise
 * cannot explain marked as such, and a few plain verdict lines.
 *
 * The percentage shown is the change of the headline figure (the one the
 * engine's own results.json gives, over all its runs); whether it is
 * significant is decided on the per-run figures (signif.c), because one
 * merged histogram cannot say how much a p99 moves from run to run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"

/* A figure and, off the baseline row, its change: "1.20 us (-12.3%, sig.)". */
static void figure_cell(struct rpt_cmp *c, struct rpt_table *t, long row, size_t col, const char *value,
			const struct rpt_change *ch)
{
	char p[32];
	if (!ch || !isfinite(ch->pct)) {
		rpt_cell(&c->doc, t, row, col, "%s", value);
		return;
	}
	rpt_pct_text(p, sizeof(p), ch->pct);
	rpt_cell(&c->doc, t, row, col, "%s (%s%s)", value, p, rpt_sig_short(ch->sig.sig));
}

static const char *legend_fmt =
	"Change against %s in parentheses. sig.: the 95%% confidence interval of the difference of the per-run "
	"figures (Welch) excludes 0; n.s.: it does not; noise: it does, but the change is no larger than the "
	"noise floor (section Noise floor); no mark: fewer than two runs on a side, so no "
	"significance can be claimed (replay with --repeat N).";

/* Per op: calls, p50..max and calls per second, every engine. */
static void op_tables(struct rpt_cmp *c)
{
	struct rpt_section *s = rpt_section(&c->doc, "Latency per op");
	static const char *const head[] = {"engine", "calls", "p50", "p90", "p99", "p99.9", "max", "calls/s"};
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		size_t with = 0;
		for (size_t i = 0; i < c->n; i++)
			with += c->res[i].ops[k].present;
		if (!with)
			continue;
		char cap[96], v[48];
		snprintf(cap, sizeof(cap), "%s", mmr_op_name(k));
		struct rpt_table *t = rpt_table(&c->doc, s, cap, 8, head);
		for (size_t i = 0; i < c->n; i++) {
			const struct mmr_results *r = &c->res[i];
			const struct mmr_results_op *op = &r->ops[k];
			long row = rpt_row(&c->doc, t);
			rpt_cell(&c->doc, t, row, 0, "%s", r->engine);
			if (!op->present) {
				rpt_cell(&c->doc, t, row, 1, "not replayed");
				continue;
			}
			rpt_cell(&c->doc, t, row, 1, "%llu", (unsigned long long)op->count);
			for (unsigned st = 0; st < MMR_STAT_COUNT; st++) {
				struct rpt_change ch = rpt_op_change(c, i, k, st);
				rpt_ns(v, sizeof(v), op->stat[st]);
				figure_cell(c, t, row, 2 + st, v, i && c->res[0].ops[k].present ? &ch : NULL);
			}
			double per_s = r->nruns && r->wall_ns > 0 ? (double)op->count / r->nruns / (r->wall_ns / 1e9) : NAN;
			rpt_cell(&c->doc, t, row, 7, isfinite(per_s) ? "%.0f" : "-", per_s);
		}
		rpt_legend(&c->doc, t, legend_fmt, c->res[0].engine);
	}
}

/* Throughput with its 95% interval, and footprint, every engine. */
static void whole_table(struct rpt_cmp *c)
{
	struct rpt_section *s = rpt_section(&c->doc, "Throughput and memory");
	static const char *const head[] = {"engine", "runs", "ops/s (mean)", "footprint", "peak RSS"};
	struct rpt_table *t = rpt_table(&c->doc, s, "throughput and memory", 5, head);
	for (size_t i = 0; i < c->n; i++) {
		const struct mmr_results *r = &c->res[i];
		struct rpt_change ch = rpt_tput_change(c, i);
		char v[64];
		long row = rpt_row(&c->doc, t);
		rpt_cell(&c->doc, t, row, 0, "%s", r->engine);
		rpt_cell(&c->doc, t, row, 1, "%u", r->nruns);
		snprintf(v, sizeof(v), isfinite(r->throughput) ? "%.0f" : "-", r->throughput);
		figure_cell(c, t, row, 2, v, i ? &ch : NULL);
		rpt_cell(&c->doc, t, row, 3, isfinite(r->footprint_bytes) ? "%.1f MiB" : "not reported",
			 r->footprint_bytes / 1048576.0);
		rpt_cell(&c->doc, t, row, 4, isfinite(r->peak_rss_bytes) ? "%.1f MiB" : "-", r->peak_rss_bytes / 1048576.0);
	}
	rpt_legend(&c->doc, t, legend_fmt, c->res[0].engine);
}

/* Whether engine R has lock NAME/SIDE; its row or NULL. */
static const struct mmr_results_lock *find_lock(const struct mmr_results *r, const char *name, const char *side)
{
	for (size_t l = 0; l < r->nlocks; l++)
		if (!strcmp(r->locks[l].name, name) && !strcmp(r->locks[l].side, side))
			return &r->locks[l];
	return NULL;
}

/* Every lock any engine took, a column per engine. */
static void lock_table(struct rpt_cmp *c)
{
	struct rpt_section *s = rpt_section(&c->doc, "Lock contention");
	const char **head = calloc(c->n + 1, sizeof(*head));
	if (!head) {
		c->doc.oom = true;
		return;
	}
	head[0] = "lock (side)";
	for (size_t i = 0; i < c->n; i++)
		head[i + 1] = c->res[i].engine;
	struct rpt_table *t = rpt_table(&c->doc, s,
					"acquisitions, share contended, total wait; what the kernel would pay: time with interrupts "
					"off, CPU spent spinning",
					c->n + 1, head);
	free(head);
	for (size_t i = 0; i < c->n; i++)
		for (size_t l = 0; l < c->res[i].nlocks; l++) {
			const struct mmr_results_lock *lk = &c->res[i].locks[l];
			size_t first = 0;
			while (!find_lock(&c->res[first], lk->name, lk->side))
				first++;
			if (first != i)
				continue; /* an earlier engine's row has it */
			long row = rpt_row(&c->doc, t);
			rpt_cell(&c->doc, t, row, 0, "%s (%s%s%s%s%s)", lk->name, lk->side, lk->kernel_type[0] ? "; " : "",
				 lk->kernel_type, lk->irqs_off ? ", irq-safe" : "", lk->rt_hazard ? ", RT hazard" : "");
			for (size_t e = 0; e < c->n; e++) {
				const struct mmr_results_lock *x = find_lock(&c->res[e], lk->name, lk->side);
				char w[32], irq[32], spin[32];
				rpt_ns(w, sizeof(w), x ? (double)x->wait_ns_total : NAN);
				rpt_ns(irq, sizeof(irq), x ? (double)x->irqs_off_ns_total : NAN);
				rpt_ns(spin, sizeof(spin), x ? (double)x->spin_ns_total : NAN);
				char bad[96] = "", pre[96] = "";
				if (x && x->rt_in_atomic)
					snprintf(bad, sizeof(bad), "; %llu under a raw or bit spinlock (a sleep in atomic on RT)",
						 (unsigned long long)x->rt_in_atomic);
				if (x && (x->holds_preempted || x->waits_preempted))
					snprintf(pre, sizeof(pre), "; preempted holder: %llu holds, %llu waits, not in the figures",
						 (unsigned long long)x->holds_preempted, (unsigned long long)x->waits_preempted);
				if (x)
					rpt_cell(&c->doc, t, row, e + 1, "%llu, %.1f%%, %s%s%s%s%s%s%s", (unsigned long long)x->acquisitions,
						 x->acquisitions ? 100.0 * (double)x->contended / (double)x->acquisitions : 0.0, w,
						 x->irqs_off_ns_total ? "; irqs off " : "", x->irqs_off_ns_total ? irq : "",
						 x->spin_ns_total ? "; spinning " : "", x->spin_ns_total ? spin : "", bad, pre);
				else
					rpt_cell(&c->doc, t, row, e + 1, "not taken");
			}
		}
	if (t && t->nrows == 1)
		rpt_para(&c->doc, s, "No engine took an instrumented lock.");
}

/* The tests behind every "sig." mark: difference, its interval, the U test. */
static void signif_table(struct rpt_cmp *c)
{
	struct rpt_section *s = rpt_section(&c->doc, "Significance");
	static const char *const head[] = {"engine", "figure", "runs", "difference", "95% CI", "Mann-Whitney p", "verdict"};
	struct rpt_table *t = rpt_table(&c->doc, s, "per-run figures against the baseline", 7, head);
	for (size_t i = 1; i < c->n; i++)
		for (unsigned k = 0; k <= MMR_OP_COUNT; k++)
			for (unsigned st = 0; st < (k < MMR_OP_COUNT ? MMR_STAT_COUNT : 1u); st++) {
				bool whole = k == MMR_OP_COUNT;
				if (!whole && (!c->res[0].ops[k].present || !c->res[i].ops[k].present))
					continue;
				struct rpt_change ch = whole ? rpt_tput_change(c, i) : rpt_op_change(c, i, k, st);
				char d[48], lo[32], hi[32];
				if (!ch.sig.na && !ch.sig.nb)
					continue; /* no per-run figure of this kind on either side */
				long row = rpt_row(&c->doc, t);
				rpt_cell(&c->doc, t, row, 0, "%s", c->res[i].engine);
				if (whole)
					rpt_cell(&c->doc, t, row, 1, "throughput");
				else
					rpt_cell(&c->doc, t, row, 1, "%s %s", mmr_op_name(k), mmr_stat_name(st));
				rpt_cell(&c->doc, t, row, 2, "%u vs %u", ch.sig.nb, ch.sig.na);
				if (whole) {
					snprintf(d, sizeof(d), "%+.0f ops/s", ch.sig.diff);
					snprintf(lo, sizeof(lo), "%.0f", ch.sig.ci_low);
					snprintf(hi, sizeof(hi), "%.0f", ch.sig.ci_high);
				} else {
					rpt_ns(d + 1, sizeof(d) - 1, fabs(ch.sig.diff));
					d[0] = ch.sig.diff < 0 ? '-' : '+';
					rpt_ns(lo, sizeof(lo), ch.sig.ci_low);
					rpt_ns(hi, sizeof(hi), ch.sig.ci_high);
				}
				rpt_cell(&c->doc, t, row, 3, "%s", isfinite(ch.sig.diff) ? d : "-");
				rpt_cell(&c->doc, t, row, 4, isfinite(ch.sig.ci_low) ? "%s .. %s" : "-", lo, hi);
				rpt_cell(&c->doc, t, row, 5, isfinite(ch.sig.mw_p) ? "%.3f" : "-", ch.sig.mw_p);
				rpt_cell(&c->doc, t, row, 6, "%s", rpt_sig_long(&ch.sig));
			}
	rpt_legend(&c->doc, t,
		   "Difference of the per-run means (engine minus %s). The verdict follows the interval; the U "
		   "test's p is given for reference (with fewer than 4 runs a side it cannot go below 0.05).",
		   c->res[0].engine);
}

static int by_verdict_weight(const void *a, const void *b)
{
	double x = ((const struct mmr_verdict *)a)->weight, y = ((const struct mmr_verdict *)b)->weight;
	return (x < y) - (x > y);
}

/* The verdict lines, weightiest first, labelled with their robustness when there were re-runs: into the document and *OUT. */
static struct mmr_verdict *verdicts(struct rpt_cmp *c)
{
	struct mmr_verdict *v = calloc(c->n, sizeof(*v));
	if (!v) {
		c->doc.oom = true;
		return NULL;
	}
	for (size_t i = 1; i < c->n; i++) {
		rpt_verdict_line(c, i, &v[i - 1]);
		rpt_robust_label(c, &v[i - 1]);
	}
	qsort(v, c->n - 1, sizeof(*v), by_verdict_weight);
	for (size_t i = 0; i + 1 < c->n; i++)
		rpt_verdict(&c->doc, "%s", v[i].text);
	return v;
}

/* Load every engine under O->dirs into C.  Returns 0, or -1 with ERR. */
static int load_all(struct rpt_cmp *c, struct mmr_error *err)
{
	for (size_t d = 0; d < c->o->ndirs; d++) {
		size_t n;
		char **dirs = mmr_results_dirs(c->o->dirs[d], &n);
		if (!n) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: no results.json in it or in its subdirectories",
				 c->o->dirs[d]);
			return -1;
		}
		struct mmr_results *g = realloc(c->res, (c->n + n) * sizeof(*g));
		if (!g) {
			mmr_results_dirs_free(dirs, n);
			snprintf(err->msg, sizeof(err->msg), "compare: out of memory");
			return -1;
		}
		c->res = g;
		int rc = 0;
		for (size_t i = 0; i < n && !rc; i++)
			if (!(rc = mmr_results_load(dirs[i], &c->res[c->n], err)))
				c->n++;
		mmr_results_dirs_free(dirs, n);
		if (rc)
			return -1;
	}
	return 0;
}

/* One trace, distinct engines, at least two, the baseline first.  Returns 0, or -1 with ERR. */
static int check_all(struct rpt_cmp *c, struct mmr_error *err)
{
	const struct mmr_results *a = &c->res[0];
	for (size_t i = 1; i < c->n; i++) {
		const struct mmr_results *b = &c->res[i];
		if (strcmp(mmr_results_trace_name(a), mmr_results_trace_name(b)) || a->trace_events != b->trace_events) {
			snprintf(err->msg, sizeof(err->msg),
				 "results of different traces: %.60s replayed %.120s (%llu events), %.60s replayed %.120s "
				 "(%llu events): compare replays of one trace", a->engine, mmr_results_trace_name(a),
				 (unsigned long long)a->trace_events, b->engine, mmr_results_trace_name(b),
				 (unsigned long long)b->trace_events);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->res[j].engine, b->engine)) {
				snprintf(err->msg, sizeof(err->msg), "engine %.60s appears twice (%.200s and %.200s)",
					 b->engine, c->res[j].dir, b->dir);
				return -1;
			}
	}
	if (c->n < 2) {
		snprintf(err->msg, sizeof(err->msg), "only one engine (%.60s) to compare: give two or more", a->engine);
		return -1;
	}
	size_t base = 0;
	while (c->o->baseline && base < c->n && strcmp(c->res[base].engine, c->o->baseline))
		base++;
	while (!c->o->baseline && base < c->n && !c->res[base].baseline)
		base++;
	if (!c->o->baseline && base == c->n)
		base = 0; /* none marked (older results, or engines of no family): the first */
	if (base == c->n) {
		snprintf(err->msg, sizeof(err->msg), "baseline engine '%.60s' is not among the results", c->o->baseline);
		return -1;
	}
	struct mmr_results first = c->res[base];
	memmove(&c->res[1], &c->res[0], base * sizeof(first));
	c->res[0] = first;
	return 0;
}

/*
 * Engines replayed on more than one machine (a collected plan's cell can
 * hold such): every difference then mixes the engines' and the machines',
 * so it is said once on WARN and first in the report, never silently.
 */
static void hosts_warning(struct rpt_cmp *c, FILE *warn)
{
	char list[900] = "";
	size_t len = 0;
	bool differ = false;
	for (size_t i = 1; i < c->n; i++)
		differ |= strcmp(c->res[i].hostname, c->res[0].hostname) != 0;
	if (!differ)
		return;
	for (size_t i = 0; i < c->n && len < sizeof(list); i++) {
		const struct mmr_results *r = &c->res[i];
		int k = snprintf(list + len, sizeof(list) - len, "%s%s on %s%s%s%s", i ? ", " : "", r->engine,
				 r->hostname[0] ? r->hostname : "an unnamed host", r->cpu_model[0] ? " (" : "", r->cpu_model,
				 r->cpu_model[0] ? ")" : "");
		len += k > 0 ? (size_t)k : 0;
	}
	fprintf(warn, "mmreplay compare: warning: %s: the engines ran on different hosts: %s\n",
		c->doc.title ? c->doc.title : "", list);
	rpt_intro(&c->doc, "Warning: the engines ran on different machines (%s): every difference below is the "
		  "engines' and the machines' together. Replay them on one machine to compare the engines alone.", list);
}

/* Title and the paragraphs that say what was compared, and how far to trust it. */
static void intro(struct rpt_cmp *c, FILE *warn)
{
	const struct mmr_results *b = &c->res[0];
	char t[512];
	snprintf(t, sizeof(t), "%s", c->o->title ? c->o->title : "");
	if (!c->o->title)
		snprintf(t, sizeof(t), "mmreplay: %zu engines on %s", c->n, mmr_results_trace_name(b));
	c->doc.title = strdup(t);
	c->doc.oom |= !c->doc.title;
	hosts_warning(c, warn);
	const char *plural = b->threads == 1 ? "" : "s";
	snprintf(c->where, sizeof(c->where), "%u thread%s on %u CPUs%s%.60s", b->threads, plural, b->online_cpus,
		 b->kernel[0] ? ", Linux " : "", b->kernel);
	rpt_intro(&c->doc, "Trace %s (%llu events), replayed on %u thread%s on a machine with %u online CPUs%s%s. "
		  "Baseline: %s (%s).", b->trace, (unsigned long long)b->trace_events, b->threads, plural, b->online_cpus,
		  b->kernel[0] ? ", Linux " : "", b->kernel, b->engine,
		  c->o->baseline ? "named with -b"
		  : b->baseline  ? "the engine is marked as its family's baseline"
				 : "the first: no engine is marked as its family's baseline; -b names one");
	if (b->cpu_model[0])
		rpt_intro(&c->doc, "CPU: %s.", b->cpu_model);
	if (b->how.kernel_rt)
		rpt_intro(&c->doc, "Locks as PREEMPT_RT runs them (replay --kernel rt): spinlock_t and rwlock_t sleep, "
			  "raw and bit spinlocks spin.");
	if (b->how.sched_policy[0])
		rpt_intro(&c->doc, "Replay threads %s.", strcmp(b->how.sched_policy, "fifo")
			  ? "under the default scheduling policy: a lock holder can be preempted (such holds are "
			    "counted apart in the lock table)"
			  : "pinned and SCHED_FIFO (replay --sched): no ordinary task preempts a lock holder");
	for (size_t i = 0; i < c->n; i++) {
		const struct mmr_results *r = &c->res[i];
		if (strcmp(r->how.sched_policy, b->how.sched_policy)) {
			fprintf(warn, "mmreplay compare: warning: %s ran with --sched policy %s, %s with %s\n", r->engine,
				r->how.sched_policy[0] ? r->how.sched_policy : "unknown", b->engine,
				b->how.sched_policy[0] ? b->how.sched_policy : "unknown");
			rpt_intro(&c->doc, "Warning: %s ran with scheduling policy %s, the baseline with %s.", r->engine,
				  r->how.sched_policy[0] ? r->how.sched_policy : "unknown",
				  b->how.sched_policy[0] ? b->how.sched_policy : "unknown");
		}
		if (r->how.kernel_rt != b->how.kernel_rt) {
			fprintf(warn, "mmreplay compare: warning: %s ran with --kernel %s, %s with --kernel %s\n", r->engine,
				r->how.kernel_rt ? "rt" : "default", b->engine, b->how.kernel_rt ? "rt" : "default");
			rpt_intro(&c->doc, "Warning: %s ran with --kernel %s, the baseline with --kernel %s.", r->engine,
				  r->how.kernel_rt ? "rt" : "default", b->how.kernel_rt ? "rt" : "default");
		}
		if (r->threads != b->threads) {
			fprintf(warn, "mmreplay compare: warning: %s ran on %u threads, %s on %u\n", r->engine, r->threads,
				b->engine, b->threads);
			rpt_intro(&c->doc, "Warning: %s ran on %u threads, the baseline on %u.", r->engine, r->threads,
				  b->threads);
		}
		if (r->threads > r->online_cpus)
			rpt_intro(&c->doc, "%s: %u threads on %u CPUs is oversubscribed: threads waited for a CPU, which "
				  "inflates latencies and lock contention.", r->engine, r->threads, r->online_cpus);
		if (r->notes[0])
			rpt_intro(&c->doc, "%s's results lack: %s.", r->engine, r->notes);
		if (!r->timing)
			rpt_intro(&c->doc, "%s was replayed with --no-timing: it has no latencies, so only its throughput "
				  "and memory are compared; its latency figures are '-' and it is left out of the latency "
				  "plots.", r->engine);
		if (r->nruns < 2 && i == 0)
			rpt_intro(&c->doc, "The baseline has a single run: no difference can be called significant "
				  "(replay with --repeat N, 5 or more).");
	}
}

int mmr_compare(const struct mmr_compare_opts *o, struct mmr_compare_result *res, struct mmr_error *err)
{
	struct rpt_cmp c = {.o = o};
	struct mmr_gnuplot g = {.png = true};
	struct mmr_verdict *v = NULL;
	if (res)
		memset(res, 0, sizeof(*res));
	int rc = load_all(&c, err);
	if (!rc)
		rc = check_all(&c, err);
	if (!rc && o->plots)
		rc = mmr_gnuplot_init(&g, err);
	if (!rc)
		rc = rpt_make_dirs(o->outdir, err);
	if (!rc) {
		intro(&c, o->warn ? o->warn : stderr);
		rpt_noise_measure(&c);
		v = verdicts(&c);
		op_tables(&c);
		whole_table(&c);
		rpt_outcome_table(&c);
		lock_table(&c);
		if (o->plots)
			c.plots = rpt_section(&c.doc, "Plots");
		signif_table(&c);
		rpt_noise_section(&c);
		rc = v ? rpt_robust_section(&c, v, c.n - 1, o->plots ? &g : NULL, err) : 0;
		if (!rc && o->plots)
			rc = rpt_compare_plots(&c, &g, err);
	}
	if (!rc)
		rc = rpt_write_all(&c.doc, o->outdir, err);
	if (!rc && res && v) {
		res->verdicts = v;
		res->nverdicts = c.n - 1;
		v = NULL;
	}
	free(v);
	if (!rc && res) {
		res->engines = (unsigned)c.n;
		snprintf(res->trace, sizeof(res->trace), "%s", mmr_results_trace_name(&c.res[0]));
	}
	if (rc && res)
		mmr_compare_result_free(res);
	for (size_t i = 0; i < c.n; i++)
		mmr_results_free(&c.res[i]);
	rpt_noise_free(&c);
	free(c.res);
	rpt_doc_free(&c.doc);
	return rc;
}

void mmr_compare_result_free(struct mmr_compare_result *res)
{
	free(res->verdicts);
	res->verdicts = NULL;
	res->nverdicts = 0;
}
