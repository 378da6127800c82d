/* SPDX-License-Identifier: MIT */
/*
 * catalog_json.h - the strict JSON checks the catalog's loader is made of
 * (catalog_json.c): each takes the path of the object it looks in (AT,
 * "" for the document, "families[2]" for a family) and, on failure,
 * writes one line "FILE: AT.KEY: what is wrong" and returns -1, so that
 * a loader reads as a list of the keys it wants.
 */
#ifndef PLAN_CATALOG_JSON_H
#define PLAN_CATALOG_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "mmr_event.h"

/* Where errors go: the file's name and the caller's error; KEYS_DOC, when set, is named in an unknown key's error. */
struct cat_ck {
	const char *file;
	struct mmr_error *err;
	const char *keys_doc;
};

/* Fail at AT.KEY (KEY NULL: at AT itself) with the printf-style message.  Returns -1. */
int cat_fail(const struct cat_ck *c, const char *at, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Make MSG one line: a control character (a newline or tab in a key or a
 * value the message quotes) becomes '?', so that an error stays the one
 * line the command prints.
 */
void cat_oneline(char *msg);
/* AT.KEY (or KEY when AT is "") into BUF, for the paths of nested objects. */
void cat_path(char *buf, size_t n, const char *at, const char *key);
/* O is an object whose keys are all among the NULL-terminated KNOWN.  0 or -1. */
int cat_keys(const struct cat_ck *c, const char *at, const cJSON *o, const char *const *known);
/* O's string KEY into OUT: REQUIRED or else NULL when absent; never empty.  0 or -1. */
int cat_str(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, bool required, const char **out);
/* O's boolean KEY into OUT: REQUIRED or else false when absent.  0 or -1. */
int cat_bool(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, bool required, bool *out);
/* O's integer KEY in MIN..MAX into OUT (required).  0 or -1. */
int cat_int(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, double min, double max,
	    double *out);
/*
 * O's array KEY of non-empty strings (required; with NONEMPTY at least
 * one, and no string twice) into a new *OUT of *N (free it).  0 or -1.
 */
int cat_strs(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, bool nonempty,
	     const char ***out, size_t *n);
/* Whether NAME is one of the N strings of LIST. */
bool cat_in(const char *const *list, size_t n, const char *name);

struct mmr_catalog;
/* catalog_claims.c: the document DOC's claims into CAT, after its families.  0 or -1. */
int cat_claims(const struct cat_ck *c, const cJSON *doc, struct mmr_catalog *cat);

#endif /* PLAN_CATALOG_JSON_H */
