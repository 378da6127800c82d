/* SPDX-License-Identifier: MIT */
/*
 * demo_claims.c - the seed threads' concrete claims, each held against
 * the demo plan's comparison of its family on the generated workload:
 * the table docs/seed-claims.md is a copy of (made by `mmreplay demo`,
 * never typed by hand), and a section of the demo's index.
 *
 * A claim names the variant it is about, the figure that would show it
 * (a speed figure of the verdicts, or an outcome the engines declare) and
 * which way that figure should move against the family's baseline.  The
 * claims are in our words; "where" says whose they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_demo.h"
#include "plan_internal.h"

/* Family NAME's group on its generated workload in P, or NULL. */
static const struct mmr_plan_group *family_group(const struct mmr_plan *p, const char *name, size_t *gi)
{
	for (*gi = 0; *gi < p->ngroups; (*gi)++)
		if (!strcmp(p->groups[*gi].name, name))
			return &p->groups[*gi];
	return NULL;
}

/* The first job of group G's cell under kernel mode RT or default, or NULL. */
static const struct mmr_plan_job *family_cell(const struct mmr_plan_jobs *jobs, size_t g, bool rt)
{
	for (size_t i = 0; i < jobs->n; i++)
		if (jobs->v[i].group == g && !strcmp(jobs->v[i].kernel, rt ? "rt" : "default"))
			return &jobs->v[i];
	return NULL;
}

/* "GROUP" or "GROUP (kernel rt)": the cell of job J a claims page names, into BUF. */
static const char *cell_name(const struct mmr_plan *p, const struct mmr_plan_job *j, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", p->groups[j->group].name, strcmp(j->kernel, "default") ? " (kernel " : "",
		 strcmp(j->kernel, "default") ? j->kernel : "", strcmp(j->kernel, "default") ? ")" : "");
	return buf;
}

/*
 * The commands that make group G's figures in the demo's folder (J the
 * first job of its cell): its trace generated, each engine replayed, the
 * comparison.  malloc'd; NULL: out of memory, or a command too long.
 */
static char *family_commands(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j)
{
	const struct mmr_plan_group *g = mmr_plan_job_group(p, j);
	char line[8192], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool ok = f != NULL;
	if (ok)
		fprintf(f, "%s:", cell_name(p, j, line, sizeof(line)));
	if (ok && p->traces[j->trace].source == MMR_PLAN_GENERATE) {
		ok = !mmr_plan_generate_command(p, jobs, j->trace, NULL, line, sizeof(line));
		if (ok)
			fprintf(f, " %s &&", line);
	}
	for (size_t e = 0; ok && e < g->nengines; e++)
		if ((ok = !mmr_plan_job_command(p, jobs, j + e, NULL, line, sizeof(line))))
			fprintf(f, " %s &&", line);
	if (ok)
		fprintf(f, " mmreplay compare cells/%s -o reports/cells/%s", j->cell_id, j->cell_id);
	if (f && fclose(f))
		ok = false;
	if (!ok)
		free(out), out = NULL;
	return out;
}

/* The page, then its index entry: one line per claim, weighing nothing in the index's first verdicts. */
static int claims_page(const struct mmr_plan *p, const char *dir, struct mmr_demo_claims *c, struct mmr_error *err)
{
	char intro[2][512];
	const char *lines[] = {intro[0], intro[1]};
	snprintf(intro[0], sizeof(intro[0]), "Each concrete claim of the seed threads, in our words, held against "
		 "what the demo measured on this machine: the family's variants on its generated workload, %u runs "
		 "each, against the family's baseline.", p->defaults.repeat);
	snprintf(intro[1], sizeof(intro[1]), "Written by `mmreplay demo`; the commands below, run in the demo's folder, "
		 "make the same figures (`mmreplay run plan.json` makes them all).");
	struct mmr_claims_page page = {.outdir = dir, .name = "seed-claims",
				       .title = "mmreplay: the seed threads' claims, measured", .intro = lines, .nintro = 2,
				       .claims = c->defs, .results = c->results, .n = c->n,
				       .commands = (const char *const *)c->commands, .ncommands = c->ncommands};
	if (mmr_claims_write(&page, err))
		return -1;
	for (size_t i = 0; i < c->n; i++)
		snprintf(c->lines[i].text, sizeof(c->lines[i].text), "%s (%s): %s: %s",
			 mmr_agreement_name(c->results[i].agreement), c->defs[i].family, c->defs[i].claim,
			 c->results[i].measured);
	c->entry = (struct mmr_index_entry){
		.heading = "The seed threads' claims", .href = "seed-claims.html", .label = "the table",
		.intro = "Each claim against the figure that tests it: agrees, disagrees, inconclusive, or cannot be "
			 "tested here.", .verdicts = c->lines, .nverdicts = c->n};
	return 0;
}

/* The commands of job J's cell into C, once per cell (a family's claims under rt are judged by another cell). */
static void note_commands(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
			  struct mmr_demo_claims *c)
{
	char name[200];
	size_t len = strlen(cell_name(p, j, name, sizeof(name)));
	for (size_t i = 0; i < c->ncommands; i++)
		if (!strncmp(c->commands[i], name, len) && c->commands[i][len] == ':')
			return;
	if ((c->commands[c->ncommands] = family_commands(p, jobs, j)))
		c->ncommands++;
}

int mmr_demo_claims(const struct mmr_catalog *cat, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs,
		    const struct mmr_compare_result *const *cells, const char *dir, struct mmr_demo_claims *c,
		    struct mmr_error *err)
{
	size_t n = cat->nclaims;
	memset(c, 0, sizeof(*c));
	c->defs = calloc(n ? n : 1, sizeof(*c->defs));
	c->results = calloc(n ? n : 1, sizeof(*c->results));
	c->lines = calloc(n ? n : 1, sizeof(*c->lines));
	c->commands = calloc(n ? n : 1, sizeof(*c->commands));
	if (!c->defs || !c->results || !c->lines || !c->commands) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: the claims: out of memory", dir);
		return -1;
	}
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct mmr_catalog_claim *k = &cat->claims[i];
		size_t gi;
		const struct mmr_plan_group *g = family_group(p, k->family, &gi);
		const struct mmr_plan_job *j = g ? family_cell(jobs, gi, k->rt) : NULL;
		c->defs[i] = (struct mmr_claim){.family = k->family, .claim = k->claim, .where = k->where,
						.engine = k->engine, .figure = k->figure, .expect = k->expect,
						.note = k->note, .untestable = k->untestable, .rt = k->rt};
		mmr_claim_judge(&c->defs[i], j ? cells[j->cell] : NULL, g ? g->baseline : "", &c->results[i]);
		if (j && !k->untestable)
			note_commands(p, jobs, j, c);
	}
	return claims_page(p, dir, c, err);
}

void mmr_demo_claims_free(struct mmr_demo_claims *c)
{
	for (size_t i = 0; c->commands && i < c->ncommands; i++)
		free(c->commands[i]);
	free(c->commands);
	free(c->defs);
	free(c->results);
	free(c->lines);
	memset(c, 0, sizeof(*c));
}
