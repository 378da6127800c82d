/* SPDX-License-Identifier: MIT */
/*
 * report.c - a plan's reports, made from its results directory: each
 * cell's comparison, each sweep across thread counts, and the index that
 * lists every cell, done or not.  The reports themselves are plots/'
 * (mmr_compare, mmr_sweep_report, mmr_index_write); this file only knows
 * where a plan's results and reports are, and which go together.
 *
 * Why a cell with jobs missing is listed rather than left out: a plan run
 * over several machines is collected in parts, and an index that only
 * shows what is there reads as complete when it is not.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_fs.h"
#include "mmr_report.h"
#include "plan_internal.h"

/* What is known of one cell. */
struct cell {
	size_t first;           /* its first job in jobs->v: the others follow, one per engine of its group */
	const struct mmr_plan_group *g; /* its group: its engines, baseline, thread counts and options */
	unsigned done;          /* jobs with results */
	bool hosts_differ;      /* its engines ran on different machines */
	char href[80];          /* its comparison, relative to the plan's directory; "" when none */
	char note[1024];        /* what the index says of it under its verdicts */
	struct mmr_compare_result res;
};

struct report {
	const struct mmr_plan *p;
	const struct mmr_plan_report_opts *o; /* never NULL: the caller's, or none */
	const struct mmr_plan_jobs *jobs;
	const char *dir;
	size_t points;          /* of the option grid */
	bool *done;             /* per job */
	struct plan_meta *meta; /* per job, where done */
	struct cell *cells;
	struct mmr_plan_host *hosts;
	size_t nhosts, ndone;
	struct mmr_index_entry *entries;
	size_t nentries;
	char **strs;            /* what the entries point at */
	size_t nstrs;
	size_t failed;          /* comparisons and sweeps that failed, and results that could not be read */
	struct mmr_error first; /* the first of those */
	bool oom;
};

/* Keep S (malloc'd, may be NULL: out of memory) until the index is written.  Returns S. */
static char *keep(struct report *r, char *s)
{
	char **g = s ? realloc(r->strs, (r->nstrs + 1) * sizeof(*g)) : NULL;
	if (!g) {
		free(s);
		r->oom = true;
		return NULL;
	}
	r->strs = g;
	return g[r->nstrs++] = s;
}

/* Note a failure: the first is what the caller is told, the index says each. */
static void failure(struct report *r, const struct mmr_error *e)
{
	if (!r->failed++)
		r->first = *e;
}

/* Append to cell C's note. */
__attribute__((format(printf, 2, 3))) static void note(struct cell *c, const char *fmt, ...)
{
	size_t len = strlen(c->note);
	va_list ap;
	va_start(ap, fmt);
	if (len < sizeof(c->note) - 1)
		vsnprintf(c->note + len, sizeof(c->note) - len, fmt, ap);
	va_end(ap);
}

/* Append to BUF (LEN bytes, *AT of it used), keeping *AT within it when the text is cut. */
__attribute__((format(printf, 4, 5))) static void put(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (*at < len) {
		int k = vsnprintf(buf + *at, len - *at, fmt, ap);
		*at = k < 0 ? len : *at + (size_t)k < len ? *at + (size_t)k : len;
	}
	va_end(ap);
}

/*
 * "TRACE, kernel K, OPT=V, ...": what the cells of one sweep share, into
 * BUF.  With more than one group, its name first, and its fixed options
 * and the replay options that are inputs of its cells' ids too: what can
 * tell its cells from another group's cells of the same trace.
 */
static const char *group_words(const struct report *r, const struct mmr_plan_job *j, char *buf, size_t len)
{
	const struct mmr_plan *p = r->p;
	const struct mmr_plan_group *g = mmr_plan_job_group(p, j);
	bool groups = p->ngroups > 1;
	size_t at = 0;
	buf[0] = '\0';
	if (groups)
		put(buf, len, &at, "group %s: ", g->name);
	put(buf, len, &at, "%s, kernel %s", p->traces[j->trace].name, j->kernel);
	for (size_t i = 0; groups && i < g->nfixed; i++)
		put(buf, len, &at, ", %s=%s", g->fixed[i].key, g->fixed[i].value);
	for (size_t i = 0; i < g->nopts; i++)
		put(buf, len, &at, ", %s=%s", g->opts[i].key, mmr_plan_group_opt_value(g, i, j->point));
	for (size_t i = 0; groups && i < g->nreplay; i++)
		if (mmr_plan_replay_find(g->replay[i].key)->in_id)
			put(buf, len, &at, ", replay %s=%s", g->replay[i].key, g->replay[i].value);
	return buf;
}

/* Every job's results: which are there, from which hosts.  A results.json that cannot be read is a failure. */
static void scan(struct report *r)
{
	const struct mmr_plan *p = r->p;
	for (size_t i = 0; i < r->jobs->n; i++) {
		const struct mmr_plan_job *j = &r->jobs->v[i];
		struct cell *c = &r->cells[j->cell];
		char path[4400];
		struct mmr_error e;
		const char *engine = mmr_plan_job_engine(p, j);
		if (j->engine == 0)
			c->first = i, c->g = mmr_plan_job_group(p, j);
		snprintf(path, sizeof(path), "%s/cells/%s/%s/results.json", r->dir, j->cell_id, engine);
		int rc = plan_meta_read(path, &r->meta[i], &e);
		if (rc < 0) {
			failure(r, &e);
			note(c, "Damaged: %s. ", e.msg);
		} else if (rc > 0) {
			note(c, "Missing: %s (job %s) has no results. ", engine, j->id);
		} else {
			r->done[i] = true;
			r->ndone++;
			c->done++;
			r->oom |= plan_host_add(&r->hosts, &r->nhosts, &r->meta[i].host) != 0;
			/* Against the cell's first job with results. */
			size_t f = c->first;
			while (!r->done[f])
				f++;
			const struct mmr_plan_host *h0 = &r->meta[f].host, *h = &r->meta[i].host;
			c->hosts_differ |= strcmp(h0->name, h->name) != 0; /* as compare and sweep tell hosts apart */
		}
	}
}

/* Which hosts cell C's engines ran on, in its note. */
static void note_hosts(struct report *r, struct cell *c)
{
	char h[300];
	if (!c->hosts_differ) {
		for (size_t e = 0; e < c->g->nengines; e++)
			if (r->done[c->first + e]) {
				note(c, "Ran on %s. ", plan_host_text(&r->meta[c->first + e].host, h, sizeof(h)));
				return;
			}
		return;
	}
	note(c, "Warning: its engines ran on different hosts:");
	for (size_t e = 0, n = 0; e < c->g->nengines; e++)
		if (r->done[c->first + e])
			note(c, "%s %s on %s", n++ ? "," : "", c->g->engines[e],
			     plan_host_text(&r->meta[c->first + e].host, h, sizeof(h)));
	note(c, ". ");
}

/*
 * Compare cell C's engines into DIR/reports/cells/CELL against its
 * group's baseline, when two or more have results, the baseline's among them.
 */
static void compare_cell(struct report *r, struct cell *c)
{
	const struct mmr_plan *p = r->p;
	const struct mmr_plan_group *g = c->g;
	const struct mmr_plan_job *j = &r->jobs->v[c->first];
	size_t base = 0;
	while (base < g->nengines && strcmp(g->engines[base], g->baseline))
		base++;
	if (g->nengines < 2) {
		/* Another group's engines asked for comparisons (a plan of one group has two engines then). */
		note(c, "No comparison: group %s has one engine, %s. ", g->name, g->engines[0]);
		return;
	}
	if (c->done < 2 || !r->done[c->first + base]) {
		note(c, "No comparison: %s. ", c->done < 2 ? "fewer than two engines have results"
						       : "the baseline has no results");
		return;
	}
	char *dirs[MMR_PLAN_MAX_LIST], outdir[4400], title[1400], words[1024];
	size_t n = 0;
	for (size_t e = 0; e < g->nengines; e++)
		if (r->done[c->first + e] &&
		    asprintf(&dirs[n++], "%s/cells/%s/%s", r->dir, j->cell_id, g->engines[e]) < 0)
			dirs[--n] = NULL, r->oom = true;
	snprintf(outdir, sizeof(outdir), "%s/reports/cells/%s", r->dir, j->cell_id);
	snprintf(title, sizeof(title), "mmreplay plan %s: %s, %u thread%s (cell %s)", p->name,
		 group_words(r, j, words, sizeof(words)), j->threads, j->threads == 1 ? "" : "s", j->cell_id);
	if (g->title)
		snprintf(title, sizeof(title), "%s: %s, %u thread%s", g->title, group_words(r, j, words, sizeof(words)),
			 j->threads, j->threads == 1 ? "" : "s");
	struct mmr_compare_opts o = {.dirs = (const char *const *)dirs, .ndirs = n, .baseline = g->baseline,
				     .outdir = outdir, .title = title, .plots = true};
	struct mmr_error e;
	if (r->oom) {
		/* nothing: the caller reports it */
	} else if ((r->o->before_compare && r->o->before_compare(r->o->arg, &o, &e)) || mmr_compare(&o, &c->res, &e)) {
		failure(r, &e);
		note(c, "The comparison failed: %s. ", e.msg);
	} else {
		snprintf(c->href, sizeof(c->href), "reports/cells/%s/report.html", j->cell_id);
		/* A reference point's large changes are expected: the index's first verdicts are the variants'. */
		for (size_t v = 0; v < c->res.nverdicts; v++)
			if (jr_in((const char *const *)g->references, g->nreferences, c->res.verdicts[v].engine))
				c->res.verdicts[v].weight = 0;
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
}

/* "../../cells/CELL/report.html": cell C's comparison from a sweep's folder, or NULL when it has none. */
static const char *sweep_href(struct report *r, const struct cell *c)
{
	char *h = NULL;
	if (!c->href[0])
		return NULL;
	if (asprintf(&h, "../../cells/%s/report.html", r->jobs->v[c->first].cell_id) < 0)
		h = NULL;
	return keep(r, h);
}

/*
 * The sweep of the cells from FIRST on, one per thread count of their
 * group, across the counts that have results, and its index entry under HEADING.
 */
static void sweep_cells(struct report *r, size_t first, const char *heading)
{
	const struct mmr_plan_group *g = r->cells[first].g;
	const struct mmr_plan_job *j = &r->jobs->v[r->cells[first].first];
	unsigned threads[MMR_PLAN_MAX_LIST];
	char *dirs[MMR_PLAN_MAX_LIST], name[80], outdir[4400], text[600] = "", list[400] = "";
	const char *hrefs[MMR_PLAN_MAX_LIST];
	struct mmr_compare_result cmp[MMR_PLAN_MAX_LIST];
	size_t n = 0, at = 0;
	const char *host = NULL; /* the first results' host: another one makes the sweep draw a line per host */
	bool hosts = false;
	for (size_t t = 0; t < g->nthreads && !r->oom; t++) {
		const struct cell *c = &r->cells[first + t];
		if (!c->done)
			continue;
		if (asprintf(&dirs[n], "%s/cells/%s", r->dir, r->jobs->v[c->first].cell_id) < 0) {
			r->oom = true;
			break;
		}
		threads[n] = g->threads[t];
		hrefs[n] = sweep_href(r, c);
		cmp[n] = c->res;
		for (size_t e = 0; e < g->nengines; e++)
			if (r->done[c->first + e]) {
				host = host ? host : r->meta[c->first + e].host.name;
				hosts |= strcmp(r->meta[c->first + e].host.name, host) != 0;
			}
		int k = snprintf(list + at, sizeof(list) - at, "%s%u", n ? ", " : "", g->threads[t]);
		at += k > 0 && (size_t)k < sizeof(list) - at ? (size_t)k : 0;
		n++;
	}
	/* A trace may be in two groups: with groups, the group's index first keeps their sweeps apart. */
	if (r->p->ngroups > 1)
		snprintf(name, sizeof(name), "%zu-%s-%s-%zu", j->group, r->jobs->trace_ids[j->trace], j->kernel, j->point);
	else
		snprintf(name, sizeof(name), "%s-%s-%zu", r->jobs->trace_ids[j->trace], j->kernel, j->point);
	snprintf(outdir, sizeof(outdir), "%s/reports/sweeps/%s", r->dir, name);
	struct mmr_sweep_opts o = {.threads = threads, .dirs = (const char *const *)dirs, .n = n, .outdir = outdir,
				   .baseline = g->baseline, .hrefs = hrefs, .compared = cmp};
	struct mmr_error e;
	char *href = NULL, *label = NULL;
	if (n < 2) {
		snprintf(text, sizeof(text), "No sweep: %s.", n ? "only one thread count has results" : "no results");
	} else if (!r->oom && mmr_sweep_report(&o, NULL, &e)) {
		failure(r, &e);
		snprintf(text, sizeof(text), "The sweep failed: %.500s.", e.msg);
	} else if (!r->oom) {
		snprintf(text, sizeof(text), "Throughput and p99 latency against %s threads%s.", list,
			 hosts ? ", a line per engine and host: the results come from different machines" : "");
		if (asprintf(&href, "reports/sweeps/%s/report.html", name) < 0)
			href = NULL;
		r->oom |= !keep(r, href);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	if (asprintf(&label, "sweep across %s threads", n ? list : "the") < 0)
		label = NULL;
	r->entries[r->nentries++] = (struct mmr_index_entry){
		.heading = heading, .text = keep(r, strdup(text)), .href = href, .label = keep(r, label),
		.column = "the sweep"};
}

/*
 * What job J's cell replays, into BUF: its trace (generated how, or a
 * file), the replay options its jobs take, and the runs.
 */
static const char *cell_what(const struct report *r, const struct mmr_plan_job *j, char *buf, size_t len)
{
	const struct mmr_plan_group *g = mmr_plan_job_group(r->p, j);
	const struct mmr_plan_trace *t = &r->p->traces[j->trace];
	size_t at = 0;
	buf[0] = '\0';
	if (t->source == MMR_PLAN_GENERATE)
		put(buf, len, &at, "Trace %s: the workload %s generated (%llu events, seed %llu, %llu CPUs)", t->name,
		    t->workload, (unsigned long long)t->ops, (unsigned long long)t->seed, (unsigned long long)t->cpus);
	else
		put(buf, len, &at, "Trace %s", t->name);
	for (size_t i = 0; i < g->nreplay; i++)
		put(buf, len, &at, "%s %s%s%s", i ? "," : "; replayed with", mmr_plan_replay_find(g->replay[i].key)->flag,
		    mmr_plan_replay_find(g->replay[i].key)->takes_value ? " " : "",
		    mmr_plan_replay_find(g->replay[i].key)->takes_value ? g->replay[i].value : "");
	put(buf, len, &at, "; %u run%s each. ", g->repeat, g->repeat == 1 ? "" : "s");
	return buf;
}

/* Cell C's index entry under HEADING (WORDS: what its group shares). */
static void cell_entry(struct report *r, struct cell *c, const char *heading, const char *words)
{
	const struct mmr_plan_job *j = &r->jobs->v[c->first];
	const char *s = j->threads == 1 ? "" : "s";
	/* The index's first verdicts mix cells: each says which it is. */
	for (size_t v = 0; v < c->res.nverdicts; v++) {
		struct mmr_verdict *vd = &c->res.verdicts[v];
		char text[sizeof(vd->text)];
		snprintf(text, sizeof(text), "%.400s, %u thread%s: %.800s", words, j->threads, s, vd->text);
		memcpy(vd->text, text, sizeof(text));
	}
	size_t len = strlen(c->note);
	while (len && c->note[len - 1] == ' ')
		c->note[--len] = '\0';
	char *label = NULL, *text = NULL, what[1024];
	/* Under a group's title, sections of several traces and kernels share one heading: the label says which. */
	if (asprintf(&label, "%s%s%u thread%s (cell %s)%s", c->g->title ? words : "", c->g->title ? ", " : "",
		     j->threads, s, j->cell_id, c->done < c->g->nengines ? ": jobs missing" : "") < 0)
		label = NULL;
	if (asprintf(&text, "%s%s", cell_what(r, j, what, sizeof(what)), c->note) < 0)
		text = NULL;
	r->entries[r->nentries++] = (struct mmr_index_entry){
		.heading = heading, .text = keep(r, text), .href = c->href[0] ? c->href : NULL,
		.label = keep(r, label), .verdicts = c->res.verdicts, .nverdicts = c->res.nverdicts};
}

/*
 * What the index's introduction says of the baselines, into BUF: the
 * plan's, or each group's (a group of one engine has none to compare with).
 */
static const char *baselines(const struct mmr_plan *p, char *buf, size_t len)
{
	size_t at = 0;
	if (p->ngroups == 1) {
		snprintf(buf, len, "Baseline: %s.", p->groups[0].baseline);
		return buf;
	}
	put(buf, len, &at, "%zu groups, each with its engines and baseline:", p->ngroups);
	for (size_t i = 0; i < p->ngroups; i++) {
		const struct mmr_plan_group *g = &p->groups[i];
		if (g->nengines > 1)
			put(buf, len, &at, "%s %s (baseline %s)", i ? ";" : "", g->name, g->baseline);
		else
			put(buf, len, &at, "%s %s (one engine, %s: no comparison)", i ? ";" : "", g->name, g->engines[0]);
	}
	put(buf, len, &at, ".");
	return buf;
}

/* The index's paragraphs under its title, into T (4 of them).  Returns how many. */
static size_t index_intro(struct report *r, char t[4][2048])
{
	const struct mmr_plan *p = r->p;
	size_t n = 0, missing = 0, at = 0;
	char base[1400];
	for (size_t c = 0; c < r->jobs->cells; c++)
		missing += r->cells[c].done < r->cells[c].g->nengines;
	if (p->description)
		snprintf(t[n++], sizeof(t[0]), "%s", p->description);
	snprintf(t[n++], sizeof(t[0]), "%zu of the plan's %zu jobs have results, in %zu cells (%s, a kernel mode, "
		 "a point of the option grid and a thread count each); %zu cell%s with jobs missing, listed as missing "
		 "below. %s", r->ndone, r->jobs->n, r->jobs->cells, p->ngroups > 1 ? "a group's trace" : "a trace",
		 missing, missing == 1 ? "" : "s", baselines(p, base, sizeof(base)));
	char h[300];
	if (r->nhosts == 1)
		snprintf(t[n++], sizeof(t[0]), "Every result comes from %s.", plan_host_text(&r->hosts[0], h, sizeof(h)));
	if (r->nhosts > 1) {
		at = (size_t)snprintf(t[n], sizeof(t[0]), "Warning: the results come from %zu machines:", r->nhosts);
		for (size_t i = 0; i < r->nhosts; i++)
			put(t[n], sizeof(t[0]), &at, "%s %s, %zu job%s", i ? ";" : "",
			    plan_host_text(&r->hosts[i], h, sizeof(h)), r->hosts[i].jobs, r->hosts[i].jobs == 1 ? "" : "s");
		put(t[n], sizeof(t[0]), &at, ". A comparison whose engines ran on different machines says "
		    "so first; a sweep draws a line per engine and host.");
		n++;
	}
	if (p->ngroups > 1)
		snprintf(base, sizeof(base), "every engine of its group against the group's baseline");
	else
		snprintf(base, sizeof(base), "every engine against %s", p->groups[0].baseline);
	snprintf(t[n++], sizeof(t[0]), "Each cell links to its comparison report (%s); the verdicts first are the "
		 "weightiest of each cell, the weightiest cells first.", base);
	return n;
}

/* The index's first verdicts and the first sweep into SUM (may be NULL), as the index lists them. */
static void summarize(const struct report *r, const struct mmr_index_opts *o, struct mmr_plan_summary *sum)
{
	const struct mmr_verdict *top[MMR_PLAN_SUMMARY_TOP];
	if (!sum)
		return;
	memset(sum, 0, sizeof(*sum));
	struct mmr_index_opts t = *o;
	t.top = o->top < MMR_PLAN_SUMMARY_TOP ? o->top : MMR_PLAN_SUMMARY_TOP;
	sum->ntop = mmr_index_top(&t, top);
	for (size_t i = 0; i < sum->ntop; i++)
		snprintf(sum->top[i], sizeof(sum->top[i]), "%s", top[i]->text);
	for (size_t e = 0; e < r->nentries && !sum->sweep[0]; e++)
		if (r->entries[e].href && !strncmp(r->entries[e].href, "reports/sweeps/", 15))
			snprintf(sum->sweep, sizeof(sum->sweep), "%s", r->entries[e].href);
}

/*
 * The index: the plan's entries, then the caller's (O->before_index, told
 * each cell's comparison), under the caller's title and paragraphs or the plan's.
 */
static int write_index(struct report *r, struct mmr_plan_summary *sum, struct mmr_error *err)
{
	char t[4][2048], title[300];
	const char *intro[4] = {t[0], t[1], t[2], t[3]};
	const struct mmr_plan_report_opts *ro = r->o;
	const struct mmr_index_entry *extra = NULL;
	size_t nextra = 0;
	struct mmr_error e;
	if (!r->oom && ro->before_index) {
		const struct mmr_compare_result **res = calloc(r->jobs->cells, sizeof(*res));
		for (size_t c = 0; res && c < r->jobs->cells; c++)
			res[c] = r->cells[c].href[0] ? &r->cells[c].res : NULL;
		if (!res)
			r->oom = true;
		else if (ro->before_index(ro->arg, res, &extra, &nextra, &e))
			failure(r, &e), extra = NULL, nextra = 0;
		free(res);
	}
	struct mmr_index_entry *all = r->oom ? NULL : calloc(r->nentries + nextra + 1, sizeof(*all));
	if (!all) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: the plan's reports: out of memory", r->dir);
		return -1;
	}
	memcpy(all, r->entries, r->nentries * sizeof(*all));
	if (nextra)
		memcpy(all + r->nentries, extra, nextra * sizeof(*all));
	size_t n = index_intro(r, t);
	snprintf(title, sizeof(title), "mmreplay plan %.200s", r->p->name);
	struct mmr_index_opts o = {.outdir = r->dir, .title = ro->title ? ro->title : title,
				   .intro = ro->intro ? ro->intro : intro, .nintro = ro->intro ? ro->nintro : n,
				   .entries = all, .n = r->nentries + nextra, .top = ro->top ? ro->top : 5};
	summarize(r, &o, sum);
	int rc = mmr_index_write(&o, err);
	free(all);
	return rc;
}

/*
 * The paragraph that heads group G's first section in the index (a plan
 * of more than one group): its engines and baseline, its thread counts,
 * and why it has no comparisons or sweeps where it has none.
 */
static const char *group_intro(struct report *r, const struct mmr_plan_group *g)
{
	char buf[2048];
	size_t at = 0;
	if (g->description)
		put(buf, sizeof(buf), &at, "%s ", g->description);
	put(buf, sizeof(buf), &at, "Group %s: ", g->name);
	if (g->nengines < 2)
		put(buf, sizeof(buf), &at, "one engine, %s: no comparison, which needs two or more", g->engines[0]);
	for (size_t e = 0; g->nengines > 1 && e < g->nengines; e++)
		put(buf, sizeof(buf), &at, "%s%s", e ? ", " : "engines ", g->engines[e]);
	if (g->nengines > 1)
		put(buf, sizeof(buf), &at, r->p->compare ? ", each compared against %s" : " (baseline %s; no comparisons: "
		    "the plan's reports leave them out)", g->baseline);
	if (g->nthreads < 2)
		put(buf, sizeof(buf), &at, "; one thread count, %u: no sweep, which needs two or more.", g->threads[0]);
	for (size_t t = 0; g->nthreads > 1 && t < g->nthreads; t++)
		put(buf, sizeof(buf), &at, "%s%u", t ? ", " : "; thread counts ", g->threads[t]);
	if (g->nthreads > 1)
		put(buf, sizeof(buf), &at, "%s", r->p->sweep ? ", swept across." : " (no sweeps: the plan's reports leave "
		    "them out).");
	return keep(r, strdup(buf));
}

/*
 * Every cell's comparison, and the sections of the index in the plan's
 * order: one per group, trace, kernel mode and grid point, its cells
 * consecutive (one per thread count of the group), the sweep across them
 * first where the group has two thread counts or more.
 */
static void build(struct report *r)
{
	const struct mmr_plan *p = r->p;
	for (size_t c = 0; c < r->jobs->cells && !r->oom; c++) {
		note_hosts(r, &r->cells[c]);
		if (p->compare)
			compare_cell(r, &r->cells[c]);
	}
	const struct mmr_plan_group *prev = NULL;
	for (size_t c = 0; c < r->jobs->cells && !r->oom; c += r->cells[c].g->nthreads) {
		const struct mmr_plan_group *g = r->cells[c].g;
		char words[1024];
		group_words(r, &r->jobs->v[r->cells[c].first], words, sizeof(words));
		const char *heading = g->title ? g->title : keep(r, strdup(words));
		size_t first = r->nentries;
		/* The sweep first: it repeats the cells' verdicts, which cell_entry then prefixes. */
		if (p->sweep && g->nthreads > 1 && heading)
			sweep_cells(r, c, heading);
		for (size_t t = 0; t < g->nthreads && heading; t++)
			cell_entry(r, &r->cells[c + t], heading, words);
		if (g != prev && (p->ngroups > 1 || g->description) && r->nentries > first)
			r->entries[first].intro = group_intro(r, g);
		prev = g;
	}
}

/*
 * Whether JOBS are P's, in mmr_plan_expand's order: each cell's jobs one
 * per engine of its group, each group's cells in runs of its thread
 * counts (a trace, kernel mode and grid point each), cells numbered in order.
 */
static bool jobs_match(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs)
{
	size_t i = 0, cell = 0;
	while (i < jobs->n) {
		const struct mmr_plan_job *j = &jobs->v[i];
		if (j->group >= p->ngroups || j->trace >= jobs->ntraces)
			return false;
		const struct mmr_plan_group *g = &p->groups[j->group];
		for (size_t t = 0; t < g->nthreads; t++, cell++)
			for (size_t e = 0; e < g->nengines; e++, i++) {
				if (i >= jobs->n)
					return false;
				const struct mmr_plan_job *k = &jobs->v[i];
				if (k->group != j->group || k->trace != j->trace || k->point != j->point ||
				    strcmp(k->kernel, j->kernel) || k->threads != g->threads[t] || k->engine != e || k->cell != cell)
					return false;
			}
	}
	return cell && cell == jobs->cells;
}

int mmr_plan_report(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		    const struct mmr_plan_report_opts *o, struct mmr_plan_summary *sum, struct mmr_error *err)
{
	static const struct mmr_plan_report_opts none;
	struct report r = {.p = p, .o = o ? o : &none, .jobs = jobs, .dir = dir};
	if (sum)
		memset(sum, 0, sizeof(*sum));
	struct mmr_gnuplot g = {.png = true};
	if (!jobs_match(p, jobs)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: the plan's reports: its jobs are not the plan's", dir);
		return -1;
	}
	if ((p->compare || p->sweep) && mmr_gnuplot_init(&g, err))
		return -1;
	r.done = calloc(jobs->n, sizeof(*r.done));
	r.meta = calloc(jobs->n, sizeof(*r.meta));
	r.cells = calloc(jobs->cells, sizeof(*r.cells));
	r.entries = calloc(2 * jobs->cells, sizeof(*r.entries)); /* a cell's entry, at most one sweep per cell */
	r.oom = !r.done || !r.meta || !r.cells || !r.entries;
	if (!r.oom) {
		scan(&r);
		build(&r);
	}
	int rc = write_index(&r, sum, err);
	if (!rc && r.failed) {
		snprintf(err->msg, sizeof(err->msg), "%.420s%s", r.first.msg,
			 r.failed > 1 ? " (and more: the index lists each)" : "");
		rc = -1;
	}
	for (size_t c = 0; r.cells && c < jobs->cells; c++)
		mmr_compare_result_free(&r.cells[c].res);
	for (size_t i = 0; i < r.nstrs; i++)
		free(r.strs[i]);
	free(r.strs);
	free(r.entries);
	free(r.cells);
	free(r.meta);
	free(r.done);
	free(r.hosts);
	return rc;
}
