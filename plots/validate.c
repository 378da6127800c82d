/* SPDX-License-Identifier: MIT */
/*
 * validate.c - the report of `mmreplay validate`: the kernel's own lock
 * contention on a captured load beside each model's on the replay of that
 * load, lock by lock, and one fidelity figure per model.
 *
 * The figures are the ones both sides can measure the same way:
 * - contended acquisitions per 1000 ops: the kernel's contention_begin
 *   waits, the model's first tries that failed, over the ops the model
 *   replayed (the trace's events of its families), which is the same
 *   work on both sides;
 * - wait share: time waited over the time there was, CPUs (or replay
 *   threads) times the span, as the replay runs in the trace's time;
 * - p50 and p99 of one wait.
 * The fidelity is taken on the first alone: it is the one a model is built
 * to get right (how often two CPUs meet on a lock), while wait times also
 * carry the cost constants, which `compare --robust` puts to the test.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* How many locks the worst list names. */
#define VAL_WORST 3

double mmr_validate_log_ratio(double model, double kernel)
{
	if (isnan(model) || isnan(kernel) || model < 0 || kernel < 0 || (model == 0 && kernel == 0))
		return NAN;
	if (model == 0)
		return -INFINITY;
	if (kernel == 0)
		return INFINITY;
	return log10(model / kernel);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double mmr_validate_fidelity(const double *r, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	size_t m = 0;
	if (!v)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(r[i]))
			v[m++] = fabs(r[i]);
	double med = NAN;
	if (m) {
		qsort(v, m, sizeof(*v), cmp_double);
		/* Of two middles, the mean; an infinite one makes it infinite, as it should. */
		med = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
	}
	free(v);
	return med;
}

/* The model's locks called NAME (every side of an rwlock summed) as figures, over OPS ops per run. */
static struct val_fig model_fig(const struct mmr_results *r, const char *name, double ops, bool spin_all)
{
	struct val_fig f = {.per_kop = NAN, .wait_share = NAN, .p50 = NAN, .p99 = NAN, .per_kop_all = NAN};
	struct mmr_hist *h = malloc(sizeof(*h));
	uint64_t contended = 0, all = 0, wait = 0;
	bool hist = h != NULL;
	if (h)
		mmr_hist_init(h);
	for (size_t i = 0; i < r->nlocks; i++) {
		const struct mmr_results_lock *l = &r->locks[i];
		if (strcmp(l->name, name))
			continue;
		f.present = true;
		/*
		 * x86's native queued spinlock traces a wait only once it queues
		 * behind a waiter already spinning on the pending bit: then the
		 * model's waits that began behind another are the ones to compare.
		 */
		bool spin = !strcmp(l->kernel_type, "spinlock_t") || !strcmp(l->kernel_type, "raw_spinlock_t");
		f.spin |= spin;
		/* bit_spin_lock has no tracepoint: the kernel never reports its waits. */
		f.untraced |= !strcmp(l->kernel_type, "bit_spin_lock");
		f.queued |= spin && !spin_all;
		all += l->contended;
		contended += spin && !spin_all && l->contended_queued != UINT64_MAX ? l->contended_queued : l->contended;
		wait += l->wait_ns_total;
		/* A side that never waited has no histogram and needs none (an rwlock's read side). */
		if (l->wait_hist && h)
			mmr_hist_merge(h, l->wait_hist);
		else if (l->contended)
			hist = false;
	}
	/* Lock figures are summed over the runs; the wall time is a run's mean. */
	unsigned runs = r->nruns ? r->nruns : 1;
	if (f.present && ops > 0) {
		f.per_kop = 1000.0 * (double)contended / runs / ops;
		f.per_kop_all = 1000.0 * (double)all / runs / ops;
	}
	if (f.present && r->wall_ns > 0 && r->threads)
		f.wait_share = (double)wait / runs / (r->wall_ns * r->threads);
	if (f.present && hist && h->count) {
		f.p50 = (double)mmr_hist_percentile(h, 50);
		f.p99 = (double)mmr_hist_percentile(h, 99);
	}
	free(h);
	return f;
}

static struct val_fig kernel_fig(const struct val_kernel *k, const struct val_klock *l, double ops)
{
	struct val_fig f = {.present = true, .per_kop = NAN, .wait_share = NAN, .p50 = NAN, .p99 = NAN, .per_kop_all = NAN};
	if (ops > 0)
		f.per_kop = 1000.0 * (double)l->contended / ops;
	if (k->span_ns > 0 && k->nr_cpus)
		f.wait_share = (double)l->wait_ns / (k->span_ns * k->nr_cpus);
	f.p50 = l->p50;
	f.p99 = l->p99;
	return f;
}

/* Ops the model replayed per run: the trace's events of its families, its skips aside. */
static double model_ops(const struct mmr_results *r)
{
	double n = 0;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		n += (double)r->ops[k].count;
	return n / (r->nruns ? r->nruns : 1);
}

/* "x0.42", "x12", "never contended", "-". */
static void ratio_text(char *buf, size_t n, double lr)
{
	if (isnan(lr))
		snprintf(buf, n, "-");
	else if (lr == -INFINITY)
		snprintf(buf, n, "model 0");
	else if (lr == INFINITY)
		snprintf(buf, n, "kernel 0");
	else
		snprintf(buf, n, "x%.3g", pow(10, lr));
}

/* A rate per 1000 ops, "-" when there is none. */
static void rate_text(char *buf, size_t n, double v)
{
	snprintf(buf, n, isnan(v) ? "-" : "%.3g", v);
}

static void share_text(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.3g%%", 100 * v);
}

static const char *const lock_head[] = {"kernel lock", "contended /1k ops (kernel / model)", "ratio",
					"wait share (kernel / model)", "p50 wait (kernel / model)",
					"p99 wait (kernel / model)"};

/* One paired row of an engine's table. */
static void paired_row(struct val *v, struct rpt_table *t, const struct val_row *w)
{
	char a[32], b[32];
	long row = rpt_row(&v->doc, t);
	rpt_cell(&v->doc, t, row, 0, "%s", w->k->label);
	rate_text(a, sizeof(a), w->kf.per_kop);
	rate_text(b, sizeof(b), w->mf.per_kop);
	rpt_cell(&v->doc, t, row, 1, "%s / %s%s", a, b, w->mf.queued ? " (queued)" : "");
	ratio_text(a, sizeof(a), w->lr);
	rpt_cell(&v->doc, t, row, 2, "%s", a);
	share_text(a, sizeof(a), w->kf.wait_share);
	share_text(b, sizeof(b), w->mf.wait_share);
	rpt_cell(&v->doc, t, row, 3, "%s / %s", a, b);
	rpt_ns(a, sizeof(a), w->kf.p50);
	rpt_ns(b, sizeof(b), w->mf.p50);
	rpt_cell(&v->doc, t, row, 4, "%s / %s", a, b);
	rpt_ns(a, sizeof(a), w->kf.p99);
	rpt_ns(b, sizeof(b), w->mf.p99);
	rpt_cell(&v->doc, t, row, 5, "%s / %s", a, b);
}

/* OUT->worst: "LOCK (ratio)" of the VAL_WORST paired rows of ROWS (N) with the largest |log ratio|. */
static void worst_of(struct mmr_validate_engine *out, const struct val_row *rows, size_t n)
{
	bool *used = calloc(n ? n : 1, sizeof(*used));
	size_t len = 0;
	for (unsigned w = 0; used && w < VAL_WORST; w++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (rows[i].mf.present && !used[i] && !isnan(rows[i].lr) &&
			    (best == n || fabs(rows[i].lr) > fabs(rows[best].lr)))
				best = i;
		if (best == n)
			break;
		used[best] = true;
		char r[32];
		ratio_text(r, sizeof(r), rows[best].lr);
		len += (size_t)snprintf(out->worst + len, len < sizeof(out->worst) ? sizeof(out->worst) - len : 0,
					"%s%s (%s)", w ? ", " : "", rows[best].k->label, r);
		if (len >= sizeof(out->worst)) {
			/* Cut: say so rather than end mid-name. */
			memcpy(out->worst + sizeof(out->worst) - 4, "...", 4);
			break;
		}
	}
	free(used);
}

/*
 * Engine E's rows, one per kernel lock, paired or not, and its outcome:
 * how many paired, its fidelity, its worst.  Returns 0, or -1 (memory).
 */
static int engine_rows(struct val *v, size_t e)
{
	const struct mmr_results *r = &v->res[e];
	struct mmr_validate_engine *out = &v->out[e];
	struct val_row *rows = v->rows[e] = calloc(v->k.n ? v->k.n : 1, sizeof(*rows));
	double *lr = calloc(v->k.n ? v->k.n : 1, sizeof(*lr));
	if (!rows || !lr) {
		free(lr);
		return -1;
	}
	double ops = model_ops(r);
	size_t np = 0;
	snprintf(out->engine, sizeof(out->engine), "%s", r->engine);
	for (size_t i = 0; i < v->k.n; i++) {
		struct val_row *w = &rows[i];
		w->k = &v->k.locks[i];
		w->kf = kernel_fig(&v->k, w->k, ops);
		w->mf = w->k->name[0] ? model_fig(r, w->k->name, ops, v->o->spin_all) : (struct val_fig){0};
		w->lr = w->mf.present ? mmr_validate_log_ratio(w->mf.per_kop, w->kf.per_kop) : NAN;
		if (w->mf.present)
			lr[np++] = w->lr;
		else
			out->unmodelled++;
	}
	out->paired = (unsigned)np;
	out->fidelity = mmr_validate_fidelity(lr, np);
	worst_of(out, rows, v->k.n);
	free(lr);
	return 0;
}

/* The scatter's data for engine E: "lock" kernel model, per paired lock both sides contended. */
static FILE *plot_data(struct val *v, size_t e, struct mmr_error *err)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/validate_%zu.dat", v->datadir, e);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write", path);
	return f;
}

/* Engine E's section: its table, what it does not model, its plot data.  Returns 0, or -1 with ERR. */
static int engine_section(struct val *v, size_t e, struct mmr_error *err)
{
	const struct mmr_results *r = &v->res[e];
	char head[160], unmodelled[2000] = "";
	snprintf(head, sizeof(head), "%s against the kernel", r->engine);
	struct rpt_section *sec = rpt_section(&v->doc, head);
	struct rpt_table *t = NULL; /* made at the first paired lock: no empty table */
	FILE *dat = v->o->plots ? plot_data(v, e, err) : NULL;
	if (v->o->plots && !dat)
		return -1;
	size_t ulen = 0;
	for (size_t i = 0; i < v->k.n; i++) {
		const struct val_row *w = &v->rows[e][i];
		if (!w->mf.present) {
			if (ulen < sizeof(unmodelled))
				ulen += (size_t)snprintf(unmodelled + ulen, sizeof(unmodelled) - ulen, "%s%s (%llu)",
							 ulen ? ", " : "", w->k->label, (unsigned long long)w->k->contended);
			continue;
		}
		if (!t)
			t = rpt_table(&v->doc, sec, "Locks the kernel reported contended, with the model's lock of the "
				      "same name", 6, lock_head);
		paired_row(v, t, w);
		if (dat && w->kf.per_kop > 0 && w->mf.per_kop > 0) {
			rpt_dat_label(dat, w->k->label);
			fprintf(dat, " %.6g %.6g\n", w->kf.per_kop, w->mf.per_kop);
			v->points++;
		}
	}
	if (t)
		rpt_legend(&v->doc, t, "Per 1000 of the %.0f ops %s replayed a run (the trace's events of its families), "
			   "the kernel's as the model's, so the kernel's rates differ from one engine's table to "
			   "another's. ratio: the model's rate over the kernel's; \"model 0\": the model never "
			   "contended on a lock the kernel did.", model_ops(r), r->engine);
	else
		rpt_para(&v->doc, sec, "No lock the kernel reported contended has a lock of the same name in %s.",
			 r->engine);
	if (ulen)
		rpt_para(&v->doc, sec, "Kernel locks %s does not model (contended acquisitions): %s%s.", r->engine,
			 unmodelled, ulen >= sizeof(unmodelled) ? " ..." : "");
	if (dat && (ferror(dat) | (fclose(dat) != 0))) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write the plot data", v->datadir);
		return -1;
	}
	return 0;
}

/*
 * Engine E's locks that contended where the kernel reported no contention
 * into V->extra[e]: a spinlock among them is unchecked when the kernel
 * traced no spinlock wait at all, which says nothing of a spinlock's
 * contention.  Returns 0, or -1 (memory).
 */
static int model_extra(struct val *v, size_t e)
{
	const struct mmr_results *r = &v->res[e];
	struct val_extra *x = v->extra[e] = calloc(r->nlocks ? r->nlocks : 1, sizeof(*x));
	if (!x)
		return -1;
	for (size_t i = 0; i < r->nlocks; i++) {
		const struct mmr_results_lock *l = &r->locks[i];
		bool seen = !l->contended;
		for (size_t j = 0; j < v->k.n && !seen; j++)
			seen = !strcmp(v->k.locks[j].name, l->name);
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(r->locks[j].name, l->name) && r->locks[j].contended;
		struct val_fig f = seen ? (struct val_fig){0} : model_fig(r, l->name, model_ops(r), v->o->spin_all);
		bool unchecked = (f.spin && !v->k.spin_waits) || f.untraced;
		/* An unchecked spinlock is listed even with no queued wait: its other waits are what it did. */
		if (seen || !(f.per_kop > 0 || (unchecked && f.per_kop_all > 0)))
			continue;
		x[v->nextra[e]++] = (struct val_extra){l->name, f, unchecked};
	}
	return 0;
}

/* Engine E's extra locks, as two paragraphs: contended where the kernel was not, and not checkable. */
static void model_only(struct val *v, struct rpt_section *sec, size_t e)
{
	char list[2][1500] = {"", ""};
	size_t len[2] = {0, 0};
	for (size_t i = 0; i < v->nextra[e]; i++) {
		const struct val_extra *x = &v->extra[e][i];
		unsigned k = x->unchecked;
		char fig[96];
		if (x->f.queued)
			snprintf(fig, sizeof(fig), "%.3g per 1000 ops queued, %.3g in all", x->f.per_kop, x->f.per_kop_all);
		else
			snprintf(fig, sizeof(fig), "%.3g per 1000 ops", x->f.per_kop);
		if (len[k] < sizeof(list[k]))
			len[k] += (size_t)snprintf(list[k] + len[k], sizeof(list[k]) - len[k], "%s%s (%s)",
						   len[k] ? ", " : "", x->name, fig);
	}
	const char *engine = v->res[e].engine;
	if (len[0])
		rpt_para(&v->doc, sec, "Locks %s contended where the kernel reported no contention: %s%s.", engine,
			 list[0], len[0] >= sizeof(list[0]) ? " ..." : "");
	if (len[1])
		rpt_para(&v->doc, sec, "Locks %s contended which this capture cannot check: bit spinlocks, which no "
			 "tracepoint reports, and, when the kernel traced no spinlock wait at all, spinlocks (x86's "
			 "native queued spinlock traces a wait only once it queues behind another waiter, which usually "
			 "takes a third CPU contending at once, and a guest spinning in virt_spin_lock() traces none): "
			 "%s%s.", engine, list[1], len[1] >= sizeof(list[1]) ? " ..." : "");
}

static void intro(struct val *v)
{
	const struct mmr_results *r = &v->res[0];
	rpt_intro(&v->doc, "The kernel's own lock contention, captured with lock:contention_begin/end on %s "
		  "(Linux %s, %u CPUs, %.3g s), beside each model's on the replay of the same allocation events "
		  "(%u threads, %s pace, %s scheduling%s).", mmr_results_trace_name(r),
		  v->k.release[0] ? v->k.release : "unknown", v->k.nr_cpus, v->k.span_ns / 1e9, r->threads,
		  r->how.pace[0] ? r->how.pace : "unknown", r->how.sched_policy[0] ? r->how.sched_policy : "unknown",
		  r->threads > r->online_cpus ? ", oversubscribed: more threads than CPUs" : "");
	rpt_intro(&v->doc, "Locks pair by name: the kernel's are named by the capture (the symbol of a static "
		  "lock, else the function that contended, through docs/kernel-locks.md), the model's are the kernel "
		  "names the engines give their locks.  Contended acquisitions per 1000 ops count over the ops the "
		  "model replayed, the same work on both sides; wait share is time waited over CPUs (threads) times "
		  "the span: the kernel's over the whole capture, the model's over its replay, which runs from its "
		  "families' first event and cuts gaps over 10 s.");
	rpt_intro(&v->doc, "Fidelity is the median, over the kernel's contended locks the model has, of "
		  "|log10(model / kernel)| of contended acquisitions per 1000 ops: 0 is the kernel's figure, 1 a "
		  "factor of 10 off; a lock the model never contended counts as infinitely off.");
	rpt_intro(&v->doc, "A spinlock's kernel waits are %s.",
		  v->o->spin_all ? "every slow-path wait (--spinlock-waits all: paravirt spinlocks), compared "
				   "with every contended acquisition of the model's"
				 : "those x86's native queued spinlock traces: a waiter that queues behind another already "
				   "spinning on the pending bit (the first waiter is not traced), compared with the model's "
				   "contended acquisitions that began behind another waiter, marked (queued); the model's "
				   "wait percentiles still hold every wait");
	if (v->k.stacked)
		rpt_intro(&v->doc, "%llu of the kernel's waits carried a kernel stack taken by the capture (to name "
			  "their lock), which lengthened them.", (unsigned long long)v->k.stacked);
}

void mmr_validate_line(const struct mmr_validate_engine *x, char *buf, size_t n)
{
	if (!x->paired)
		snprintf(buf, n, "%s: no lock in common with the kernel's %u contended ones", x->engine, x->unmodelled);
	else if (isnan(x->fidelity))
		snprintf(buf, n, "%s: %u lock%s in common, but no figure to compare (no op replayed)", x->engine,
			 x->paired, x->paired == 1 ? "" : "s");
	else
		snprintf(buf, n, "%s: fidelity %.2f over %u lock%s (%u not modelled); most wrong: %s", x->engine,
			 x->fidelity, x->paired, x->paired == 1 ? "" : "s", x->unmodelled, x->worst);
}

/* The first section: one row per engine. */
static void summary(struct val *v)
{
	static const char *const head[] = {"engine", "fidelity", "locks paired", "kernel locks not modelled",
					   "most wrong"};
	struct rpt_section *sec = rpt_section(&v->doc, "Fidelity");
	struct rpt_table *t = rpt_table(&v->doc, sec, "Per engine: how far its lock contention is from the kernel's",
					5, head);
	for (size_t e = 0; e < v->n; e++) {
		const struct mmr_validate_engine *x = &v->out[e];
		long row = rpt_row(&v->doc, t);
		rpt_cell(&v->doc, t, row, 0, "%s", x->engine);
		rpt_cell(&v->doc, t, row, 1, isnan(x->fidelity) ? "-" : "%.2f", x->fidelity);
		rpt_cell(&v->doc, t, row, 2, "%u", x->paired);
		rpt_cell(&v->doc, t, row, 3, "%u", x->unmodelled);
		rpt_cell(&v->doc, t, row, 4, "%s", x->worst[0] ? x->worst : "-");
		char line[512];
		mmr_validate_line(x, line, sizeof(line));
		rpt_verdict(&v->doc, "%s", line);
	}
}

/* The scatter of every engine's paired locks, model against kernel, log axes. */
static int plot(struct val *v, struct rpt_section *sec, struct mmr_error *err)
{
	struct mmr_gnuplot g = {.png = true};
	if (!v->points) {
		rpt_para(&v->doc, sec, "No plot: no lock was contended both in the kernel and in a model.");
		return 0;
	}
	char names[2048] = "", n[16], out[4300], title[400];
	size_t len = 0;
	for (size_t e = 0; e < v->n && len < sizeof(names); e++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", e ? " " : "", v->res[e].engine);
	snprintf(n, sizeof(n), "%zu", v->n);
	snprintf(out, sizeof(out), "%s/plots/validate", v->o->outdir);
	snprintf(title, sizeof(title), "contended acquisitions per 1000 ops, model against kernel: %.200s (Linux %.60s)",
		 mmr_results_trace_name(&v->res[0]), v->k.release);
	struct mmr_gnuplot_var vars[] = {{"datadir", v->datadir, true}, {"engines", names, false}, {"n", n, false}};
	if (mmr_gnuplot_init(&g, err) || mmr_gnuplot_draw(&g, "validate.gp", out, title, vars, 3, err))
		return -1;
	rpt_figure(&v->doc, sec, "plots/validate.png",
		   "Contended acquisitions per 1000 ops, model (y) against kernel (x), one point per lock both "
		   "contended; on the diagonal the model is the kernel, the dashed lines are a factor of 10 off");
	return 0;
}

/* Load every engine's results, refusing results of another trace than the first's.  0, or -1 with ERR. */
static int load_results(struct val *v, struct mmr_error *err)
{
	const struct mmr_validate_opts *o = v->o;
	v->res = calloc(o->ndirs ? o->ndirs : 1, sizeof(*v->res));
	v->out = calloc(o->ndirs ? o->ndirs : 1, sizeof(*v->out));
	v->rows = calloc(o->ndirs ? o->ndirs : 1, sizeof(*v->rows));
	v->extra = calloc(o->ndirs ? o->ndirs : 1, sizeof(*v->extra));
	v->nextra = calloc(o->ndirs ? o->ndirs : 1, sizeof(*v->nextra));
	if (!v->res || !v->out || !v->rows || !v->extra || !v->nextra) {
		snprintf(err->msg, sizeof(err->msg), "validate: out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->ndirs; i++) {
		if (mmr_results_load(o->dirs[i], &v->res[i], err))
			return -1;
		v->n++;
		if (strcmp(v->res[i].trace, v->res[0].trace)) {
			snprintf(err->msg, sizeof(err->msg), "%.160s: results of %.160s, not of %.160s", o->dirs[i],
				 v->res[i].trace, v->res[0].trace);
			return -1;
		}
	}
	if (!v->n)
		snprintf(err->msg, sizeof(err->msg), "validate: no results to compare with the kernel");
	return v->n ? 0 : -1;
}

int mmr_validate_report(const struct mmr_validate_opts *o, struct mmr_validate_engine **out, size_t *n,
			struct mmr_error *err)
{
	struct val v = {.o = o};
	snprintf(v.datadir, sizeof(v.datadir), "%s/data", o->outdir);
	int rc = val_kernel_load(o->kernel_stats, &v.k, err);
	if (!rc)
		rc = load_results(&v, err);
	if (!rc)
		rc = rpt_make_dirs(o->outdir, err);
	if (!rc) {
		v.doc.title = strdup("Model against kernel: lock contention");
		intro(&v);
		for (size_t e = 0; e < v.n && !rc; e++)
			if ((rc = engine_rows(&v, e) || model_extra(&v, e) ? -1 : 0))
				snprintf(err->msg, sizeof(err->msg), "validate: out of memory");
		for (size_t e = 0; e < v.n && !rc; e++)
			rc = engine_section(&v, e, err);
		for (size_t e = 0; e < v.n && !rc; e++)
			model_only(&v, v.doc.sections[e], e);
	}
	if (!rc) {
		/* The summary comes first in the document: built last, moved to the front. */
		summary(&v);
		struct rpt_section *s = v.doc.sections[v.doc.nsections - 1];
		memmove(v.doc.sections + 1, v.doc.sections, (v.doc.nsections - 1) * sizeof(*v.doc.sections));
		v.doc.sections[0] = s;
		if (o->plots)
			rc = plot(&v, s, err);
	}
	if (!rc)
		rc = rpt_write_named(&v.doc, o->outdir, "validate", err);
	if (!rc)
		rc = val_write_json(&v, err);
	for (size_t i = 0; i < v.n; i++) {
		mmr_results_free(&v.res[i]);
		free(v.rows[i]);
		free(v.extra[i]);
	}
	free(v.rows);
	free(v.extra);
	free(v.nextra);
	free(v.res);
	val_kernel_free(&v.k);
	rpt_doc_free(&v.doc);
	if (!rc && out) {
		*out = v.out;
		*n = v.n;
	} else {
		free(v.out);
	}
	return rc;
}
