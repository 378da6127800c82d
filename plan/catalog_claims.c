/* SPDX-License-Identifier: MIT */
/*
 * catalog_claims.c - the catalog's claims: each seed thread's concrete
 * claim, in our words, with whose it is, the variant it is about, the
 * figure that would show it and which way.  One list in the document,
 * not one per family, because its order is the claims page's order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_internal.h"
#include "mmr_catalog.h"

/* What the claim is judged by: a variant of its family, a figure, a direction; none when untestable. */
static int claim_test(struct jr *c, const char *at, const cJSON *o, const struct mmr_catalog_family *f,
		      struct mmr_catalog_claim *k)
{
	double expect = 0;
	if (k->untestable) {
		static const char *const judged[] = {"engine", "figure", "expect"};
		for (size_t i = 0; i < sizeof(judged) / sizeof(judged[0]); i++)
			if (cJSON_GetObjectItemCaseSensitive(o, judged[i]))
				return jr_fail(c, at, judged[i], "given for an untestable claim");
		return 0;
	}
	if (jr_str(c, at, o, "engine", true, &k->engine) || jr_str(c, at, o, "figure", true, &k->figure) ||
	    jr_int(c, at, o, "expect", true, -1, 1, &expect))
		return -1;
	if (!expect)
		return jr_fail(c, at, "expect", "0: -1 (lower than the baseline's) or 1 (higher)");
	if (!jr_in(f->engines, f->nengines, k->engine))
		return jr_fail(c, at, "engine", "\"%.64s\" is not one of family %.64s's engines", k->engine, f->name);
	k->expect = (int)expect;
	return 0;
}

static int claim_load(struct jr *c, const cJSON *o, size_t i, const struct mmr_catalog *cat,
		      struct mmr_catalog_claim *k)
{
	static const char *const keys[] = {"family", "untestable", "rt", "engine", "figure", "expect", "claim",
					   "where", "note", NULL};
	char at[64];
	snprintf(at, sizeof(at), "claims[%zu]", i);
	if (jr_keys(c, at, o, keys) || jr_str(c, at, o, "family", true, &k->family) ||
	    jr_bool(c, at, o, "untestable", false, &k->untestable) || jr_bool(c, at, o, "rt", false, &k->rt) ||
	    jr_str(c, at, o, "claim", true, &k->claim) || jr_str(c, at, o, "where", true, &k->where) ||
	    jr_str(c, at, o, "note", true, &k->note))
		return -1;
	const struct mmr_catalog_family *f = mmr_catalog_family(cat, k->family);
	if (!f)
		return jr_fail(c, at, "family", "\"%.64s\" is no family of the catalog", k->family);
	if (k->rt && !f->rt)
		return jr_fail(c, at, "rt", "family %.64s is not compared with --kernel rt (its rt is false)", f->name);
	return claim_test(c, at, o, f, k);
}

/* The document's claims (optional: a catalog may hold families only). */
int cat_claims(struct jr *c, const cJSON *doc, struct mmr_catalog *cat)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "claims");
	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return jr_fail(c, "", "claims", "not an array");
	size_t n = (size_t)cJSON_GetArraySize(a);
	if (n && !(cat->claims = calloc(n, sizeof(*cat->claims))))
		return jr_fail(c, "", "claims", "out of memory");
	for (const cJSON *o = a->child; o; o = o->next, cat->nclaims++)
		if (claim_load(c, o, cat->nclaims, cat, &cat->claims[cat->nclaims]))
			return -1;
	return 0;
}
