/* SPDX-License-Identifier: MIT */
/*
 * mmr_catalog.h - the family catalog: the seed families (each one's
 * engines, baseline, reference engines, workload, real trace and the
 * question it answers) and the seed threads' claims, as data shipped with
 * the tool (plan/families.json, installed in share/mmreplay; the format
 * is docs/families.md) instead of tables in the command line's code, so
 * that the demo, plans and the index read one list.
 *
 * The loader is strict: a key it does not know, a missing or mistyped
 * one, an empty name, a baseline outside its engines or another version
 * of the format is an error naming the key, since a catalog that loads
 * with something silently ignored would run a different experiment than
 * its author wrote.
 */
#ifndef MMR_CATALOG_H
#define MMR_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_event.h" /* struct mmr_error */

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the format this mmreplay reads (the file's "mmreplay_families"). */
#define MMR_CATALOG_VERSION 1
/* The most families a catalog holds: the demo makes two plan groups of each, and a plan has at most 64. */
#define MMR_CATALOG_MAX_FAMILIES 32
/* The file's name in the install's data directory (share/mmreplay). */
#define MMR_CATALOG_FILE "families.json"

/* A seed family: the variants argued about, what they run on, and what they are asked. */
struct mmr_catalog_family {
	const char *name;     /* also the demo's folder for it */
	const char *heading;  /* the index's section */
	const char *question; /* the section's paragraph: what the seed thread asks */
	const char **engines; /* the variants, replayed and compared in this order */
	size_t nengines;
	const char *baseline;    /* one of engines: what the others are measured against */
	const char **references; /* engines that are reference points, not variants argued about */
	size_t nreferences;
	const char *workload; /* the generated workload (mmreplay generate NAME) */
	uint64_t ops;         /* its --ops */
	char ops_arg[24];     /* the same, as an argument */
	const char *real;     /* "live": the captured or bundled trace, as this family; a bundled file; NULL */
	const char *no_real;  /* why there is no real trace, when real is NULL */
	bool rt;              /* compared on the generated workload a second time, with --kernel rt */
	const char **engine_opts; /* KEY=VALUE options every replay of the family takes */
	size_t nengine_opts;
};

/* A seed thread's claim about a family's variant, in our words, with whose it is. */
struct mmr_catalog_claim {
	const char *family, *claim, *where, *note;
	const char *engine; /* the variant it is about (NULL when untestable) */
	const char *figure; /* a verdict's speed figure or an outcome key (NULL when untestable) */
	int expect;         /* -1: lower than the baseline's if the claim is right; +1: higher; 0 untestable */
	bool untestable;    /* nothing the replay measures can test it; note says why */
	bool rt;            /* judged by the family's comparison under --kernel rt */
};

/* A loaded catalog.  Its strings live as long as it does (mmr_catalog_free). */
struct mmr_catalog {
	struct mmr_catalog_family *families;
	size_t nfamilies;
	struct mmr_catalog_claim *claims;
	size_t nclaims;
	void *doc; /* the parsed document the strings point into */
};

/*
 * The catalog file to read into BUF (N bytes): $MMREPLAY_FAMILIES when
 * set, else the install's share/mmreplay/families.json when the binary
 * runs from an install, else this build's source copy.  Returns 0, or -1
 * when the path does not fit.  Whether the file exists is the loader's
 * business.
 */
int mmr_catalog_path(char *buf, size_t n);

/*
 * Parse and check the catalog document TEXT into CAT, NAME naming it in
 * errors.  Returns 0, or -1 with ERR one line "NAME: KEY: what is wrong"
 * (KEY a path such as families[2].baseline) and CAT empty.
 */
int mmr_catalog_parse(const char *text, const char *name, struct mmr_catalog *cat, struct mmr_error *err);

/*
 * Read and check the catalog file PATH into CAT.  Returns 0, or -1 with
 * ERR one line ("PATH: cannot read: ...", or as mmr_catalog_parse) and
 * CAT empty.
 */
int mmr_catalog_load(const char *path, struct mmr_catalog *cat, struct mmr_error *err);

/* The family called NAME in CAT, or NULL. */
const struct mmr_catalog_family *mmr_catalog_family(const struct mmr_catalog *cat, const char *name);

/* Free what a load or parse gave CAT and empty it (an empty CAT is fine). */
void mmr_catalog_free(struct mmr_catalog *cat);

#ifdef __cplusplus
}
#endif

#endif /* MMR_CATALOG_H */
