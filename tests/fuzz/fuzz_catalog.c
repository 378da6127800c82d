/* SPDX-License-Identifier: MIT */
/*
 * fuzz_catalog.c - the family catalog's loader (plan/catalog.c,
 * catalog_claims.c, catalog_json.c): the input is a families.json,
 * parsed with mmr_catalog_parse as mmr_catalog_load parses the file.
 *
 * Besides crashes, a finding is an error that is not one line naming the
 * document, or a catalog that loads and breaks what the loader promises
 * (mmr_catalog.h): a family without engines or with a baseline, reference
 * or claim's engine outside them, an option without '=', a real trace and
 * a reason for none together, two families of one name, a claim of no
 * family or a testable one without a direction.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mmr_catalog.h"

#define NAME "fuzz-families.json"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Whether S is one of the N strings of V. */
static bool among(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* A non-empty string the catalog holds (and reading it all, for ASan). */
static void text(const char *s, const char *what, size_t i)
{
	if (!s || !*s || strlen(s) > (size_t)1 << 30)
		fz_finding("%s of %zu: %s", what, i, s ? "empty" : "NULL");
}

static void check_family(const struct mmr_catalog *cat, size_t i)
{
	const struct mmr_catalog_family *f = &cat->families[i];
	char ops[24];
	text(f->name, "family name", i), text(f->heading, "heading", i), text(f->question, "question", i);
	text(f->workload, "workload", i), text(f->baseline, "baseline", i);
	if (mmr_catalog_family(cat, f->name) != f)
		fz_finding("family %zu (%s): another family has its name", i, f->name);
	if (strchr(f->name, '/') || !strcmp(f->name, ".") || !strcmp(f->name, ".."))
		fz_finding("family %zu: name '%s' is no folder's", i, f->name);
	if (!f->nengines || !among(f->engines, f->nengines, f->baseline))
		fz_finding("family %zu: baseline %s outside its %zu engines", i, f->baseline, f->nengines);
	for (size_t k = 0; k < f->nengines; k++) {
		text(f->engines[k], "engine", i);
		if (among(f->engines, k, f->engines[k]))
			fz_finding("family %zu: engine %s twice", i, f->engines[k]);
	}
	for (size_t k = 0; k < f->nreferences; k++)
		if (!among(f->engines, f->nengines, f->references[k]))
			fz_finding("family %zu: reference %s not among its engines", i, f->references[k]);
	for (size_t k = 0; k < f->nengine_opts; k++) {
		const char *eq = strchr(f->engine_opts[k], '=');
		if (!eq || eq == f->engine_opts[k])
			fz_finding("family %zu: option '%s' is not KEY=VALUE", i, f->engine_opts[k]);
	}
	snprintf(ops, sizeof(ops), "%llu", (unsigned long long)f->ops);
	if (!f->ops || strcmp(ops, f->ops_arg))
		fz_finding("family %zu: ops %s as '%s'", i, ops, f->ops_arg);
	if (!f->real == !f->no_real || (f->real && (!*f->real || strchr(f->real, '/'))) || (f->no_real && !*f->no_real))
		fz_finding("family %zu: real '%s', no_real '%s'", i, f->real ? f->real : "(null)",
			   f->no_real ? f->no_real : "(null)");
}

static void check_claim(const struct mmr_catalog *cat, size_t i)
{
	const struct mmr_catalog_claim *k = &cat->claims[i];
	text(k->claim, "claim", i), text(k->where, "where", i), text(k->note, "note", i);
	const struct mmr_catalog_family *f = k->family ? mmr_catalog_family(cat, k->family) : NULL;
	if (!f)
		fz_finding("claim %zu: family '%s' is not in the catalog", i, k->family ? k->family : "(null)");
	if (k->rt && !f->rt)
		fz_finding("claim %zu: judged under rt, family %s is not compared so", i, f->name);
	if (k->untestable) {
		if (k->engine || k->figure || k->expect)
			fz_finding("claim %zu: untestable with an engine, figure or direction", i);
		return;
	}
	text(k->figure, "figure", i);
	if (!k->engine || !among(f->engines, f->nengines, k->engine) || (k->expect != -1 && k->expect != 1))
		fz_finding("claim %zu: engine '%s' of family %s, expect %d", i, k->engine ? k->engine : "(null)", f->name,
			   k->expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *doc = malloc(size + 1);
	if (!doc)
		return 0;
	memcpy(doc, data, size);
	doc[size] = '\0';
	struct mmr_catalog cat;
	struct mmr_error err = {0};
	if (mmr_catalog_parse(doc, NAME, &cat, &err)) {
		/* One line, naming the document: what `mmreplay demo` prints as its error. */
		bool one_line = !strncmp(err.msg, NAME ": ", strlen(NAME ": "));
		for (const unsigned char *s = (const unsigned char *)err.msg; *s; s++)
			one_line = one_line && *s >= 0x20 && *s != 0x7f;
		if (!one_line)
			fz_finding("the error is not one line naming the file: \"%s\"", err.msg);
		if (cat.families || cat.nfamilies || cat.claims || cat.nclaims || cat.doc)
			fz_finding("a failed parse left the catalog not empty");
	} else {
		if (!cat.nfamilies)
			fz_finding("a catalog without families loaded");
		for (size_t i = 0; i < cat.nfamilies; i++)
			check_family(&cat, i);
		for (size_t i = 0; i < cat.nclaims; i++)
			check_claim(&cat, i);
		if (mmr_catalog_family(&cat, ""))
			fz_finding("a family with an empty name");
	}
	mmr_catalog_free(&cat);
	mmr_catalog_free(&cat); /* an empty catalog is fine to free */
	free(doc);
	return 0;
}
