/* SPDX-License-Identifier: MIT */
/*
 * sweep.c - the report of one trace replayed at several thread counts:
 * how each engine's throughput and tail latency scale, and at each count
 * the full comparison (compare.c) with its verdicts.
 *
 * Scaling past the machine's CPUs measures the scheduler as much as the
 * allocator; those rows are marked, and the report says so up front.
 *
 * A collected plan's thread counts may have run on different machines:
 * then every line is one engine on one host, so that no line joins two
 * machines' figures, and the report names the hosts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* A line of the plots and a column of the tables: an engine, on one host when there are several. */
struct sweep_col {
	size_t e;
	const char *host;  /* a results' hostname */
	char label[200];
};

/* The engines of every thread count: res[t][e], e in the order of the first count. */
struct sweep {
	const struct mmr_sweep_opts *o;
	struct mmr_results **res;  /* [n][nengines], engine e of count t (engine[0] empty when missing) */
	char (*engines)[64];
	size_t nengines;
	unsigned online;
	struct sweep_col *cols;
	size_t ncols;
	bool hosts;                /* the results come from more than one host */
	struct rpt_doc doc;
};

/* Load count T's engines into S, adding new engine names.  Returns 0, or -1 with ERR. */
static int load_count(struct sweep *s, size_t t, struct mmr_error *err)
{
	size_t n;
	char **dirs = mmr_results_dirs(s->o->dirs[t], &n);
	int rc = 0;
	if (!n) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: no results.json in it or in its subdirectories", s->o->dirs[t]);
		return -1;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct mmr_results r;
		if ((rc = mmr_results_load(dirs[i], &r, err)))
			break;
		size_t e = 0;
		while (e < s->nengines && strcmp(s->engines[e], r.engine))
			e++;
		if (e == s->nengines) {
			void *g = realloc(s->engines, (e + 1) * sizeof(*s->engines));
			if (g)
				s->engines = g;
			for (size_t k = 0; g && k < s->o->n; k++) {
				struct mmr_results *row = realloc(s->res[k], (e + 1) * sizeof(*row));
				if (!row) {
					g = NULL;
					break;
				}
				memset(&row[e], 0, sizeof(*row));
				s->res[k] = row;
			}
			if (!g) {
				mmr_results_free(&r);
				snprintf(err->msg, sizeof(err->msg), "sweep: out of memory");
				rc = -1;
				break;
			}
			snprintf(s->engines[s->nengines++], sizeof(*s->engines), "%s", r.engine);
		}
		s->res[t][e] = r;
		s->online = r.online_cpus;
	}
	mmr_results_dirs_free(dirs, n);
	return rc;
}

/* Every count's results of one trace.  Returns 0, or -1 with ERR. */
static int load_all(struct sweep *s, struct mmr_error *err)
{
	if (!(s->res = calloc(s->o->n, sizeof(*s->res)))) {
		snprintf(err->msg, sizeof(err->msg), "sweep: out of memory");
		return -1;
	}
	const struct mmr_results *first = NULL;
	for (size_t t = 0; t < s->o->n; t++) {
		if (load_count(s, t, err))
			return -1;
		for (size_t e = 0; e < s->nengines; e++) {
			const struct mmr_results *r = &s->res[t][e];
			if (!r->engine[0])
				continue;
			if (!first)
				first = r;
			if (strcmp(mmr_results_trace_name(first), mmr_results_trace_name(r)) ||
			    first->trace_events != r->trace_events) {
				snprintf(err->msg, sizeof(err->msg), "%.200s: results of another trace (%.120s) than %.120s",
					 r->dir, mmr_results_trace_name(r), mmr_results_trace_name(first));
				return -1;
			}
		}
	}
	return 0;
}

/*
 * The lines: one per engine, or, when the results come from more than one
 * host, one per engine and host.  Returns 0, or -1 with ERR.
 */
static int make_cols(struct sweep *s, struct mmr_error *err)
{
	const char *first = NULL;
	for (size_t t = 0; t < s->o->n; t++)
		for (size_t e = 0; e < s->nengines; e++)
			if (s->res[t][e].engine[0]) {
				first = first ? first : s->res[t][e].hostname;
				s->hosts |= strcmp(first, s->res[t][e].hostname) != 0;
			}
	if (!(s->cols = calloc(s->nengines * s->o->n + 1, sizeof(*s->cols)))) {
		snprintf(err->msg, sizeof(err->msg), "sweep: out of memory");
		return -1;
	}
	for (size_t e = 0; e < s->nengines; e++)
		for (size_t t = 0; t < s->o->n; t++) {
			const struct mmr_results *r = &s->res[t][e];
			size_t c = 0;
			while (c < s->ncols && (s->cols[c].e != e || (s->hosts && strcmp(s->cols[c].host, r->hostname))))
				c++;
			if (!r->engine[0] || c < s->ncols)
				continue;
			struct sweep_col *col = &s->cols[s->ncols++];
			*col = (struct sweep_col){.e = e, .host = r->hostname};
			snprintf(col->label, sizeof(col->label), s->hosts ? "%s on %.120s" : "%s", s->engines[e],
				 r->hostname[0] ? r->hostname : "an unnamed host");
		}
	return 0;
}

/* Column C's results at count K, or NULL. */
static const struct mmr_results *col_res(const struct sweep *s, size_t k, const struct sweep_col *c)
{
	const struct mmr_results *r = &s->res[k][c->e];
	return r->engine[0] && (!s->hosts || !strcmp(r->hostname, c->host)) ? r : NULL;
}

/* The fewest online CPUs among count K's results: its threads above that oversubscribe. */
static unsigned row_online(const struct sweep *s, size_t k)
{
	unsigned n = 0;
	for (size_t e = 0; e < s->nengines; e++)
		if (s->res[k][e].engine[0] && (!n || s->res[k][e].online_cpus < n))
			n = s->res[k][e].online_cpus;
	return n ? n : s->online;
}

/* FIGURE(T, E) of every count and line as a table, a data file and a plot. */
static int series(struct sweep *s, struct mmr_gnuplot *g, struct rpt_section *sec, const char *name,
		  const char *what, const char *ylabel, bool logy, double (*figure)(const struct mmr_results *, void *),
		  void *arg, double scale, struct mmr_error *err)
{
	char path[4200], ncols[16], out[4200], file[300], title[900];
	snprintf(path, sizeof(path), "%s/data/%s.dat", s->o->outdir, name);
	FILE *f = fopen(path, "w");
	const char **head = calloc(s->ncols + 1, sizeof(*head));
	if (!f || !head) {
		free(head);
		if (f)
			fclose(f);
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write", path);
		return -1;
	}
	head[0] = "threads";
	rpt_dat_label(f, "threads");
	for (size_t c = 0; c < s->ncols; c++) {
		head[c + 1] = s->cols[c].label;
		fputc(' ', f);
		rpt_dat_label(f, s->cols[c].label);
	}
	fputc('\n', f);
	struct rpt_table *t = rpt_table(&s->doc, sec, what, s->ncols + 1, head);
	free(head);
	bool log_ok = true; /* false: a value of 0 (the null engine's p99), which only a linear axis shows */
	for (size_t k = 0; k < s->o->n; k++) {
		long row = rpt_row(&s->doc, t);
		unsigned th = s->o->threads[k];
		rpt_cell(&s->doc, t, row, 0, th > row_online(s, k) ? "%u (oversubscribed)" : "%u", th);
		fprintf(f, "%u", th);
		for (size_t c = 0; c < s->ncols; c++) {
			const struct mmr_results *r = col_res(s, k, &s->cols[c]);
			double v = r ? figure(r, arg) : NAN;
			char cell[48];
			if (scale == 1)
				snprintf(cell, sizeof(cell), isfinite(v) ? "%.0f" : "-", v);
			else
				rpt_ns(cell, sizeof(cell), v);
			rpt_cell(&s->doc, t, row, c + 1, "%s", cell);
			rpt_dat_value(f, v / scale, &log_ok);
		}
		fputc('\n', f);
	}
	if (ferror(f) | (fclose(f) != 0)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write", path);
		return -1;
	}
	snprintf(ncols, sizeof(ncols), "%zu", s->ncols + 1);
	snprintf(file, sizeof(file), "plots/%s", name);
	snprintf(out, sizeof(out), "%s/%s", s->o->outdir, file);
	const struct mmr_results *r = &s->res[0][0];
	if (s->hosts)
		snprintf(title, sizeof(title), "%s: %s (several hosts)", what, s->doc.title ? s->doc.title : "");
	else
		snprintf(title, sizeof(title), "%s: %s (%u CPUs%s%.60s)", what, s->doc.title ? s->doc.title : "",
			 s->online, r->kernel[0] ? ", Linux " : "", r->kernel);
	struct mmr_gnuplot_var v[] = {{"data", path, true}, {"ylabel", ylabel, false}, {"logy", logy && log_ok ? "1" : "0", false},
				      {"ncols", ncols, false}};
	if (mmr_gnuplot_draw(g, "sweep.gp", out, title, v, 4, err))
		return -1;
	strncat(file, ".png", sizeof(file) - strlen(file) - 1);
	rpt_figure(&s->doc, sec, file, what);
	return 0;
}

static double throughput_of(const struct mmr_results *r, void *arg)
{
	(void)arg;
	return r->throughput;
}

static double p99_of(const struct mmr_results *r, void *arg)
{
	unsigned k = *(unsigned *)arg;
	return r->ops[k].present ? r->ops[k].stat[MMR_STAT_P99] : NAN;
}

/* ONE's verdicts at TH threads: in the report, and into RES (CAP its room) when not NULL.  0, or -1 with ERR. */
static int add_verdicts(struct sweep *s, struct mmr_compare_result *res, size_t *cap, unsigned th,
			const struct mmr_compare_result *one, struct mmr_error *err)
{
	for (size_t v = 0; v < one->nverdicts; v++) {
		rpt_verdict(&s->doc, "at %u thread%s: %s", th, th == 1 ? "" : "s", one->verdicts[v].text);
		if (!res)
			continue;
		if (res->nverdicts == *cap) {
			void *g = realloc(res->verdicts, (*cap = *cap ? *cap * 2 : 16) * sizeof(*res->verdicts));
			if (!g) {
				snprintf(err->msg, sizeof(err->msg), "sweep: out of memory");
				return -1;
			}
			res->verdicts = g;
		}
		struct mmr_verdict *out = &res->verdicts[res->nverdicts++];
		*out = one->verdicts[v];
		snprintf(out->text, sizeof(out->text), "at %u thread%s: %.480s", th, th == 1 ? "" : "s", one->verdicts[v].text);
	}
	return 0;
}

/*
 * Each count's comparison report, linked, its verdicts repeated: made here
 * in DIRS[i]/report, or, with O->hrefs, the ones the caller made.
 * Returns 0, or -1 with ERR.
 */
static int per_count(struct sweep *s, struct mmr_compare_result *res, struct mmr_error *err)
{
	struct rpt_section *sec = rpt_section(&s->doc, "Comparison at each thread count");
	size_t cap = 0;
	for (size_t t = 0; t < s->o->n; t++) {
		char dir[4200], title[300], href[300];
		struct mmr_compare_result one = {0};
		unsigned th = s->o->threads[t];
		const char *link = href;
		if (s->o->hrefs) {
			link = s->o->hrefs[t];
		} else {
			snprintf(dir, sizeof(dir), "%s/report", s->o->dirs[t]);
			snprintf(title, sizeof(title), "mmreplay: %zu engines on %s, %u threads", s->nengines,
				 mmr_results_trace_name(&s->res[0][0]), th);
			const char *const d1[] = {s->o->dirs[t]};
			struct mmr_compare_opts co = {.dirs = d1, .ndirs = 1, .baseline = s->o->baseline, .outdir = dir,
						      .title = title, .plots = true, .warn = s->o->warn};
			if (mmr_compare(&co, &one, err))
				return -1;
			const char *base = strrchr(s->o->dirs[t], '/');
			snprintf(href, sizeof(href), "%s/report/report.html", base ? base + 1 : s->o->dirs[t]);
		}
		snprintf(title, sizeof(title), "%u thread%s%s", th, th == 1 ? "" : "s",
			 th > row_online(s, t) ? " (oversubscribed)" : "");
		if (link)
			rpt_link(&s->doc, sec, link, title);
		int rc = add_verdicts(s, res, &cap, th, s->o->hrefs ? (s->o->compared ? &s->o->compared[t] : &one) : &one,
				      err);
		mmr_compare_result_free(&one);
		if (rc)
			return -1;
	}
	return 0;
}

/* The first paragraph when the results come from several hosts: which, and how the lines split. */
static void hosts_intro(struct sweep *s, const char *list)
{
	char hosts[1200] = "";
	size_t len = 0;
	for (size_t t = 0; t < s->o->n; t++)
		for (size_t e = 0; e < s->nengines && len < sizeof(hosts); e++) {
			const struct mmr_results *r = &s->res[t][e];
			char one[400];
			snprintf(one, sizeof(one), "%s (%s%s%u online CPUs)", r->hostname[0] ? r->hostname : "an unnamed host",
				 r->cpu_model, r->cpu_model[0] ? ", " : "", r->online_cpus);
			if (!r->engine[0] || strstr(hosts, one))
				continue;
			int k = snprintf(hosts + len, sizeof(hosts) - len, "%s%s", len ? ", " : "", one);
			len += k > 0 ? (size_t)k : 0;
		}
	const struct mmr_results *r = &s->res[0][0];
	rpt_intro(&s->doc, "Trace %s (%llu events) replayed on %s threads on several machines: %s. Each line is one "
		  "engine on one host, so that no line joins two machines' figures; where lines of different hosts "
		  "differ, the machines differ as much as the engines.", r->trace, (unsigned long long)r->trace_events,
		  list, hosts);
}

static void intro(struct sweep *s)
{
	char list[256] = "";
	size_t len = 0;
	bool over = false;
	for (size_t t = 0; t < s->o->n && len < sizeof(list); t++) {
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", t ? ", " : "", s->o->threads[t]);
		over |= s->o->threads[t] > row_online(s, t);
	}
	const struct mmr_results *r = &s->res[0][0];
	char t[512];
	snprintf(t, sizeof(t), "mmreplay sweep: %zu engine%s on %s", s->nengines, s->nengines == 1 ? "" : "s",
		 mmr_results_trace_name(r));
	s->doc.title = strdup(t);
	s->doc.oom |= !s->doc.title;
	if (s->hosts)
		hosts_intro(s, list);
	else
		rpt_intro(&s->doc, "Trace %s (%llu events) replayed on %s threads, on a machine with %u online CPUs%s%s.",
			  r->trace, (unsigned long long)r->trace_events, list, s->online, r->kernel[0] ? ", Linux " : "",
			  r->kernel);
	if (over)
		rpt_intro(&s->doc, "Thread counts above %u oversubscribe the CPUs: threads wait for a CPU, which "
			  "inflates latencies and lock contention; read those rows as scheduler-bound.",
			  s->hosts ? row_online(s, s->o->n - 1) : s->online);
}

int mmr_sweep_report(const struct mmr_sweep_opts *o, struct mmr_compare_result *res, struct mmr_error *err)
{
	struct sweep s = {.o = o};
	struct mmr_gnuplot g = {.png = true};
	if (res)
		memset(res, 0, sizeof(*res));
	int rc = o->n ? load_all(&s, err) : -1;
	if (!o->n)
		snprintf(err->msg, sizeof(err->msg), "sweep: no thread counts");
	if (!rc)
		rc = make_cols(&s, err);
	if (!rc)
		rc = mmr_gnuplot_init(&g, err);
	if (!rc)
		rc = rpt_make_dirs(o->outdir, err);
	if (!rc && !s.res[0][0].engine[0]) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: the first engine has no results at %u threads", o->dirs[0],
			 o->threads[0]);
		rc = -1;
	}
	if (!rc) {
		intro(&s);
		struct rpt_section *sec = rpt_section(&s.doc, "Throughput against threads");
		rc = series(&s, &g, sec, "sweep_throughput", "throughput (ops/s)", "ops/s", false, throughput_of, NULL, 1,
			    err);
		sec = rpt_section(&s.doc, "p99 latency against threads");
		for (unsigned k = 0; k < MMR_OP_COUNT && !rc; k++) {
			char name[64], what[96];
			bool any = false;
			for (size_t e = 0; e < s.nengines; e++)
				any |= s.res[0][e].ops[k].present || s.res[o->n - 1][e].ops[k].present;
			if (!any)
				continue;
			snprintf(name, sizeof(name), "sweep_p99_%s", mmr_op_name(k));
			snprintf(what, sizeof(what), "%s p99 latency", mmr_op_name(k));
			rc = series(&s, &g, sec, name, what, "p99 latency (us)", true, p99_of, &k, 1e3, err);
		}
	}
	if (!rc && s.nengines > 1)
		rc = per_count(&s, res, err);
	if (!rc)
		rc = rpt_write_all(&s.doc, o->outdir, err);
	if (rc && res)
		mmr_compare_result_free(res);
	if (!rc && res) {
		res->engines = (unsigned)s.nengines;
		snprintf(res->trace, sizeof(res->trace), "%s", mmr_results_trace_name(&s.res[0][0]));
	}
	for (size_t t = 0; s.res && t < o->n; t++) {
		for (size_t e = 0; s.res[t] && e < s.nengines; e++)
			if (s.res[t][e].engine[0])
				mmr_results_free(&s.res[t][e]);
		free(s.res[t]);
	}
	free(s.res);
	free(s.engines);
	free(s.cols);
	rpt_doc_free(&s.doc);
	return rc;
}
