/* SPDX-License-Identifier: MIT */
/*
 * json_read.h - the strict JSON checks that plans (plan.c, parts.c) and
 * the family catalog (catalog.c) are read with: each takes the path of
 * the object it looks in (AT: "" for the document, "families[2]" for a
 * family) and the key, and on failure writes one line "FILE: AT.KEY: what
 * is wrong" and returns -1, so that a reader is a list of the keys it
 * wants.  The first error is kept: a reader may go on after one and the
 * line still names the first mistake, which is the one to fix.
 */
#ifndef PLAN_JSON_READ_H
#define PLAN_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "mmr_event.h"

/* One file being read: where its errors go. */
struct jr {
	const char *file;      /* named first in every error */
	struct mmr_error *err; /* the first error */
	const char *keys_doc;  /* when set, named in an unknown key's error ("docs/plans.md lists the keys") */
	bool failed;           /* an error is in err */
};

/* AT.KEY (KEY when AT is "", AT when KEY is NULL, "(document)" for neither) into BUF. */
void jr_path(char *buf, size_t n, const char *at, const char *key);
/*
 * Turn MSG's control bytes into '?': an error quotes keys, names and
 * paths from its input, which may hold a newline, and an error is one line.
 */
void jr_oneline(char *msg);

/* Fail at AT.KEY with the printf-style message, unless an error is there already.  Returns -1. */
int jr_fail(struct jr *r, const char *at, const char *key, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* O (at AT) is an object whose keys are all among the NULL-terminated KNOWN, none given twice.  0 or -1. */
int jr_keys(struct jr *r, const char *at, const cJSON *o, const char *const *known);
/* O's string KEY into *OUT (pointing into O): REQUIRED, else NULL when absent; never empty.  0 or -1. */
int jr_str(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, const char **out);
/* The same, copied into *OUT (free it); NULL when absent.  0 or -1. */
int jr_str_dup(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, char **out);
/* O's boolean KEY into *OUT: REQUIRED, else false when absent.  0 or -1. */
int jr_bool(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, bool *out);
/* Value V, at AT.KEY, a whole number in LO..HI, into *OUT.  0 or -1. */
int jr_whole(struct jr *r, const char *at, const char *key, const cJSON *v, double lo, double hi, double *out);
/* O's KEY as jr_whole: REQUIRED, else *OUT untouched (the caller's default) when absent.  0 or -1. */
int jr_int(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, double lo, double hi,
	   double *out);
/* O's array KEY of 1..MAX items into *OUT: REQUIRED, else NULL when absent.  0 or -1. */
int jr_list(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, int max, const cJSON **out);

/* jr_strs' FLAGS. */
#define JR_REQUIRED 1u /* absent is an error (else *OUT NULL and *N 0) */
#define JR_NONEMPTY 2u /* at least one string, and none twice */
/*
 * O's array KEY of non-empty strings (at most MAX, 0: any number) into a
 * new *OUT of *N pointing into O (free the array, not the strings).  0 or -1.
 */
int jr_strs(struct jr *r, const char *at, const cJSON *o, const char *key, unsigned flags, size_t max,
	    const char ***out, size_t *n);
/* Whether NAME is one of the N strings of LIST. */
bool jr_in(const char *const *list, size_t n, const char *name);

/*
 * Value V, at AT.KEY, as the command line takes an option's value: a
 * non-empty string without ',' or '=' (which would split KEY=VALUE
 * lists), or a whole number written out; copied into *OUT.  0 or -1.
 */
int jr_value(struct jr *r, const char *at, const char *key, const cJSON *v, char **out);
/* A copy of S into *OUT, or -1 with "out of memory" at AT.KEY. */
int jr_dup(struct jr *r, const char *at, const char *key, const char *s, char **out);

#endif /* PLAN_JSON_READ_H */
