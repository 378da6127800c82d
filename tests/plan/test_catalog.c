/* SPDX-License-Identifier: MIT */
/*
 * test_catalog.c - the family catalog's loader (plan/catalog.c): the
 * shipped plan/families.json loads with the five seed families, each
 * baseline among its engines; and each way a hand-edited catalog can go
 * wrong is refused with one line naming the key.  The malformed
 * catalogs are the shipped one with one thing changed, so that each
 * test fails for that one reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "mmr_catalog.h"

/* The shipped catalog's text (the build tree's path: the test binary is no install). */
static char *shipped_text(void)
{
	char path[4096];
	unsetenv("MMREPLAY_FAMILIES");
	assert_int_equal(mmr_catalog_path(path, sizeof(path)), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_shipped(void **state)
{
	(void)state;
	static const char *const names[] = {"cma", "vmalloc", "kvfree_rcu", "zsmalloc", "dmabuf"};
	char path[4096];
	struct mmr_catalog cat;
	struct mmr_error err;
	unsetenv("MMREPLAY_FAMILIES");
	assert_int_equal(mmr_catalog_path(path, sizeof(path)), 0);
	if (mmr_catalog_load(path, &cat, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(cat.nfamilies, 5);
	for (size_t i = 0; i < cat.nfamilies; i++) {
		const struct mmr_catalog_family *f = &cat.families[i];
		bool found = false;
		assert_string_equal(f->name, names[i]);
		assert_ptr_equal(mmr_catalog_family(&cat, names[i]), f);
		assert_true(f->nengines >= 2);
		for (size_t e = 0; e < f->nengines; e++)
			found |= !strcmp(f->engines[e], f->baseline);
		assert_true(found);
		assert_true(f->ops > 0);
		assert_true(f->real || f->no_real);
	}
	assert_non_null(mmr_catalog_family(&cat, "kvfree_rcu")->engine_opts);
	assert_string_equal(mmr_catalog_family(&cat, "kvfree_rcu")->engine_opts[0], "expedited=1");
	assert_int_equal(mmr_catalog_family(&cat, "kvfree_rcu")->nreferences, 2);
	assert_null(mmr_catalog_family(&cat, "slub"));
	assert_int_equal(cat.nclaims, 22);
	for (size_t i = 0; i < cat.nclaims; i++)
		assert_true(cat.claims[i].untestable ? !cat.claims[i].engine && !cat.claims[i].expect
						     : cat.claims[i].engine && cat.claims[i].expect);
	mmr_catalog_free(&cat);
	mmr_catalog_free(&cat); /* emptied: a second free is harmless */
}

/* The family or claim I of the shipped document D. */
static cJSON *fam(cJSON *d, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(d, "families"), i);
}

static cJSON *claim(cJSON *d, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(d, "claims"), i);
}

/* One change to the shipped catalog, and what the error must say. */
struct bad {
	const char *what;
	void (*edit)(cJSON *d);
	const char *msg; /* after "bad.json: " */
};

static void version2(cJSON *d) { cJSON_ReplaceItemInObject(d, "mmreplay_families", cJSON_CreateNumber(2)); }
static void version_str(cJSON *d) { cJSON_ReplaceItemInObject(d, "mmreplay_families", cJSON_CreateString("1")); }
static void no_version(cJSON *d) { cJSON_DeleteItemFromObject(d, "mmreplay_families"); }
static void no_heading(cJSON *d) { cJSON_DeleteItemFromObject(fam(d, 0), "heading"); }
static void no_families(cJSON *d) { cJSON_DeleteItemFromObject(d, "families"); }
static void empty_families(cJSON *d) { cJSON_ReplaceItemInObject(d, "families", cJSON_CreateArray()); }
static void rt_string(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 1), "rt", cJSON_CreateString("yes")); }
static void ops_string(cJSON *d)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(fam(d, 0), "workload"), "ops", cJSON_CreateString("3000"));
}
static void ops_zero(cJSON *d)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(fam(d, 0), "workload"), "ops", cJSON_CreateNumber(0));
}
static void engines_string(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 3), "engines", cJSON_CreateString("a,b")); }
static void unknown_family_key(cJSON *d) { cJSON_AddStringToObject(fam(d, 2), "colour", "blue"); }
static void unknown_top_key(cJSON *d) { cJSON_AddStringToObject(d, "extra", "x"); }
static void unknown_workload_key(cJSON *d)
{
	cJSON_AddNumberToObject(cJSON_GetObjectItem(fam(d, 4), "workload"), "seed", 1);
}
static void empty_engines(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 0), "engines", cJSON_CreateArray()); }
static void empty_engine(cJSON *d) { cJSON_ReplaceItemInArray(cJSON_GetObjectItem(fam(d, 1), "engines"), 1, cJSON_CreateString("")); }
static void twice_engine(cJSON *d) { cJSON_AddItemToArray(cJSON_GetObjectItem(fam(d, 1), "engines"), cJSON_CreateString("vmalloc-nodes")); }
static void baseline_outside(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 0), "baseline", cJSON_CreateString("slub")); }
static void no_baseline(cJSON *d) { cJSON_DeleteItemFromObject(fam(d, 0), "baseline"); }
static void reference_outside(cJSON *d) { cJSON_AddItemToArray(cJSON_GetObjectItem(fam(d, 2), "references"), cJSON_CreateString("slub")); }
static void empty_name(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 0), "name", cJSON_CreateString("")); }
static void same_name(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 1), "name", cJSON_CreateString("cma")); }
static void real_no_reason(cJSON *d) { cJSON_DeleteItemFromObject(fam(d, 0), "no_real"); }
static void real_and_reason(cJSON *d) { cJSON_AddStringToObject(fam(d, 1), "no_real", "why"); }
static void real_number(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 1), "real", cJSON_CreateNumber(1)); }
static void opt_no_eq(cJSON *d) { cJSON_ReplaceItemInArray(cJSON_GetObjectItem(fam(d, 2), "engine_opts"), 0, cJSON_CreateString("expedited")); }
static void claim_family(cJSON *d) { cJSON_ReplaceItemInObject(claim(d, 0), "family", cJSON_CreateString("slub")); }
static void claim_engine(cJSON *d) { cJSON_ReplaceItemInObject(claim(d, 0), "engine", cJSON_CreateString("vmalloc-nodes")); }
static void claim_expect(cJSON *d) { cJSON_ReplaceItemInObject(claim(d, 0), "expect", cJSON_CreateNumber(2)); }
static void claim_no_note(cJSON *d) { cJSON_DeleteItemFromObject(claim(d, 3), "note"); }
static void claim_untestable_engine(cJSON *d) { cJSON_AddStringToObject(claim(d, 16), "engine", "cma-mutex"); }
static void claim_rt(cJSON *d) { cJSON_AddTrueToObject(claim(d, 0), "rt"); }

static void live_not_as(cJSON *d) { cJSON_ReplaceItemInObject(fam(d, 2), "name", cJSON_CreateString("rcu_things")); }
/* One family past the limit, whatever the shipped catalog holds. */
static void too_many(cJSON *d)
{
	cJSON *f = cJSON_GetObjectItem(d, "families");
	while (cJSON_GetArraySize(f) <= MMR_CATALOG_MAX_FAMILIES)
		cJSON_AddItemToArray(f, cJSON_Duplicate(fam(d, 0), true));
}

static const struct bad bads[] = {
	{"a live family --as cannot replay as", live_not_as,
	 "families[2].name: \"rcu_things\": a family replayed on the live trace is replayed --as its name, and "},
	{"33 families", too_many, "families: 33 families: at most 32"},
	{"another version", version2, "mmreplay_families: version 2, this mmreplay reads version 1"},
	{"version a string", version_str, "mmreplay_families: not a number"},
	{"no version", no_version, "mmreplay_families: missing"},
	{"no heading", no_heading, "families[0].heading: missing"},
	{"no families", no_families, "families: missing"},
	{"no family", empty_families, "families: empty"},
	{"rt a string", rt_string, "families[1].rt: not true or false"},
	{"ops a string", ops_string, "families[0].workload.ops: not a number"},
	{"ops 0", ops_zero, "families[0].workload.ops: 0 is not a whole number in 1.."},
	{"engines a string", engines_string, "families[3].engines: not an array of strings"},
	{"unknown family key", unknown_family_key, "families[2].colour: unknown key"},
	{"unknown top key", unknown_top_key, "extra: unknown key"},
	{"unknown workload key", unknown_workload_key, "families[4].workload.seed: unknown key"},
	{"empty engines", empty_engines, "families[0].engines: empty"},
	{"an empty engine", empty_engine, "families[1].engines[1]: empty"},
	{"an engine twice", twice_engine, "families[1].engines[2]: \"vmalloc-nodes\" given twice"},
	{"baseline outside", baseline_outside, "families[0].baseline: \"slub\" is not one of the family's engines"},
	{"no baseline", no_baseline, "families[0].baseline: missing"},
	{"reference outside", reference_outside, "families[2].references: \"slub\" is not one of the family's engines"},
	{"empty name", empty_name, "families[0].name: empty"},
	{"a name twice", same_name, "families[1].name: \"cma\" is families[0]'s name too"},
	{"no real, no reason", real_no_reason, "families[0].no_real: missing"},
	{"real and a reason", real_and_reason, "families[1].no_real: given with a real trace"},
	{"real a number", real_number, "families[1].real: not \"live\""},
	{"an option without =", opt_no_eq, "families[2].engine_opts: \"expedited\" is not KEY=VALUE"},
	{"a claim's unknown family", claim_family, "claims[0].family: \"slub\" is no family of the catalog"},
	{"a claim's engine elsewhere", claim_engine, "claims[0].engine: \"vmalloc-nodes\" is not one of family cma's"},
	{"expect 2", claim_expect, "claims[0].expect: 2 is not a whole number in -1..1"},
	{"a claim without note", claim_no_note, "claims[3].note: missing"},
	{"an untestable claim's engine", claim_untestable_engine, "claims[16].engine: given for an untestable claim"},
	{"rt on a family without", claim_rt, "claims[0].rt: family cma is not compared with --kernel rt"},
};

static void test_malformed(void **state)
{
	(void)state;
	const char *text = shipped_text();
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		cJSON *d = cJSON_Parse(text);
		assert_non_null(d);
		bads[i].edit(d);
		char *bad = cJSON_Print(d), want[512];
		struct mmr_catalog cat;
		struct mmr_error err = {{0}};
		assert_non_null(bad);
		if (!mmr_catalog_parse(bad, "bad.json", &cat, &err))
			fail_msg("%s: loaded", bads[i].what);
		snprintf(want, sizeof(want), "bad.json: %s", bads[i].msg);
		if (strncmp(err.msg, want, strlen(want)) || strchr(err.msg, '\n'))
			fail_msg("%s: got \"%s\", want \"%s...\"", bads[i].what, err.msg, want);
		assert_null(cat.families);
		free(bad);
		cJSON_Delete(d);
	}
}

static void test_not_json(void **state)
{
	(void)state;
	struct mmr_catalog cat;
	struct mmr_error err;
	assert_int_equal(mmr_catalog_parse("{\"mmreplay_families\": 1,", "x.json", &cat, &err), -1);
	assert_non_null(strstr(err.msg, "x.json: (document): not JSON"));
	assert_int_equal(mmr_catalog_parse("[1]", "x.json", &cat, &err), -1);
	assert_string_equal(err.msg, "x.json: (document): not a JSON object");
	assert_int_equal(mmr_catalog_load("/nonexistent/families.json", &cat, &err), -1);
	assert_string_equal(err.msg, "/nonexistent/families.json: cannot read: No such file or directory");
	assert_int_equal(mmr_catalog_load("/", &cat, &err), -1);
	/* A repeated key: cJSON keeps both, and the second would otherwise be silently ignored. */
	assert_int_equal(mmr_catalog_parse("{\"mmreplay_families\": 1, \"about\": \"a\", \"about\": \"b\"}", "x.json",
					   &cat, &err), -1);
	assert_string_equal(err.msg, "x.json: about: given twice");
	/* Text after the document would be silently ignored (a second document pasted in, half a merge). */
	assert_int_equal(mmr_catalog_parse("{\"mmreplay_families\": 1} {\"families\": []}", "x.json", &cat, &err), -1);
	assert_non_null(strstr(err.msg, "x.json: (document): not JSON (near \"{\"families\""));
	/* An error quoting a key with a newline stays one line (fuzz_catalog). */
	assert_int_equal(mmr_catalog_parse("{\"mmreplay_families\": 1, \"a\\nb\": 1}", "x.json", &cat, &err), -1);
	assert_string_equal(err.msg, "x.json: a?b: unknown key");
}

static void test_path_env(void **state)
{
	(void)state;
	char path[64];
	setenv("MMREPLAY_FAMILIES", "/elsewhere/f.json", 1);
	assert_int_equal(mmr_catalog_path(path, sizeof(path)), 0);
	assert_string_equal(path, "/elsewhere/f.json");
	assert_int_equal(mmr_catalog_path(path, 8), -1);
	unsetenv("MMREPLAY_FAMILIES");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_path_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
