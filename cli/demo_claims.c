/* SPDX-License-Identifier: MIT */
/*
 * demo_claims.c - the seed threads' concrete claims, each held against
 * the demo's comparison of its family on the generated workload: the
 * table docs/seed-claims.md is a copy of (made by `mmreplay demo`, never
 * typed by hand), and a section of the demo's index.
 *
 * A claim names the variant it is about, the figure that would show it
 * (a speed figure of the verdicts, or an outcome the engines declare) and
 * which way that figure should move against the family's baseline.  The
 * claims are in our words; "where" says whose they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo.h"

/* LIST's N strings joined with SEP, each after PRE, into a new string (NULL: out of memory). */
static char *joined(const char *const *list, size_t n, const char *pre, const char *sep)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(pre) + strlen(list[i]) + strlen(sep);
	char *s = malloc(len), *p = s;
	for (size_t i = 0; s && i < n; i++)
		p += sprintf(p, "%s%s%s", i ? sep : "", pre, list[i]);
	if (s)
		*p = '\0';
	return s;
}

void demo_claim_commands(struct demo *d, const struct mmr_catalog_family *f, size_t fi, const char *trace)
{
	if (fi >= DEMO_FAMILIES || d->claim_cmds[fi])
		return;
	const char *file = strrchr(trace, '/') ? strrchr(trace, '/') + 1 : trace;
	char *engines = joined(f->engines, f->nengines, "", ","), *opts = joined(f->engine_opts, f->nengine_opts, " -O ", "");
	if (!engines || !opts ||
	    asprintf(&d->claim_cmds[fi],
		     "%s: mmreplay generate %s -o %s --seed 1 --cpus 2 --ops %s && mmreplay replay %s -e %s -t 2 "
		     "--repeat %s%s -o results && mmreplay compare results -o report (the demo's %s/generated/report).",
		     f->name, f->workload, file, f->ops_arg, file, engines, d->repeat, opts, f->name) < 0)
		d->claim_cmds[fi] = NULL;
	free(engines);
	free(opts);
}

/*
 * The comparison of family NAME on its generated workload (the first of
 * its entries; with RT, the one replayed with --kernel rt), and its baseline.
 */
static const struct mmr_compare_result *family_result(const struct demo *d, const char *name, bool rt,
						      const char **baseline)
{
	const struct mmr_catalog_family *f = mmr_catalog_family(&d->cat, name);
	*baseline = f ? f->baseline : "";
	for (size_t e = 0; f && e < d->nentries; e++)
		if (!strcmp(d->entries[e].heading, f->heading) &&
		    (!rt || (d->entries[e].label && strstr(d->entries[e].label, "PREEMPT_RT"))))
			return &d->results[e];
	return NULL;
}

/* The claims page and its index entry: one line per claim, weighing nothing in the index's top. */
static int claims_page(struct demo *d)
{
	char intro[2][512];
	const char *lines[] = {intro[0], intro[1]};
	const char *cmds[DEMO_FAMILIES];
	size_t ncmds = 0;
	snprintf(intro[0], sizeof(intro[0]), "Each concrete claim of the five seed threads, in our words, held against "
		 "what the demo measured on this machine: the family's variants on its generated workload, %s runs "
		 "each, against the family's baseline.", d->repeat);
	snprintf(intro[1], sizeof(intro[1]), "Written by `mmreplay demo`; the commands below make the same figures.");
	for (size_t fi = 0; fi < DEMO_FAMILIES; fi++)
		if (d->claim_cmds[fi])
			cmds[ncmds++] = d->claim_cmds[fi];
	struct mmr_claims_page p = {.outdir = d->out, .name = "seed-claims",
				    .title = "mmreplay: the seed threads' claims, measured", .intro = lines, .nintro = 2,
				    .claims = d->claim_defs, .results = d->claims, .n = d->cat.nclaims, .commands = cmds,
				    .ncommands = ncmds};
	struct mmr_error err;
	if (mmr_claims_write(&p, &err))
		return cli_fail("demo", "%s", err.msg);
	for (size_t i = 0; i < d->cat.nclaims; i++)
		snprintf(d->claim_lines[i].text, sizeof(d->claim_lines[i].text), "%s (%s): %s: %s",
			 mmr_agreement_name(d->claims[i].agreement), d->claim_defs[i].family, d->claim_defs[i].claim,
			 d->claims[i].measured);
	d->entries[d->nentries++] = (struct mmr_index_entry){
		.heading = "The seed threads' claims", .href = "seed-claims.html", .label = "the table",
		.intro = "Each claim against the figure that tests it: agrees, disagrees, inconclusive, or cannot be "
			 "tested here.", .verdicts = d->claim_lines, .nverdicts = d->cat.nclaims};
	return CLI_OK;
}

int demo_claims(struct demo *d)
{
	size_t n = d->cat.nclaims;
	d->claims = calloc(n ? n : 1, sizeof(*d->claims));
	d->claim_lines = calloc(n ? n : 1, sizeof(*d->claim_lines));
	d->claim_defs = calloc(n ? n : 1, sizeof(*d->claim_defs));
	if (!d->claims || !d->claim_lines || !d->claim_defs)
		return cli_fail("demo", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct mmr_catalog_claim *c = &d->cat.claims[i];
		const char *baseline;
		d->claim_defs[i] = (struct mmr_claim){.family = c->family, .claim = c->claim, .where = c->where,
						      .engine = c->engine, .figure = c->figure, .expect = c->expect,
						      .note = c->note, .untestable = c->untestable, .rt = c->rt};
		const struct mmr_compare_result *res = family_result(d, c->family, c->rt, &baseline);
		mmr_claim_judge(&d->claim_defs[i], res, baseline, &d->claims[i]);
	}
	return claims_page(d);
}

void demo_claims_free(struct demo *d)
{
	free(d->claims);
	free(d->claim_lines);
	free(d->claim_defs);
	for (size_t fi = 0; fi < DEMO_FAMILIES; fi++)
		free(d->claim_cmds[fi]);
}
