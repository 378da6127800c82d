/* SPDX-License-Identifier: MIT */
/* plan_internal.h - what plan.c, parts.c and expand.c share: the reader's state and its checks. */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "catalog_json.h"
#include "mmr_plan.h"

/* Reading one plan file: the first error wins, the rest of the file is not looked at. */
struct plan_reader {
	const char *path;
	struct mmr_error *err;
	bool failed;
};

/* ERR = "PATH: KEY: what", unless an earlier error is there. */
void plan_bad(struct plan_reader *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* False, with an error, when object O (at key path WHERE) has a key not in the NULL-terminated KEYS. */
bool plan_only_keys(struct plan_reader *r, const cJSON *o, const char *where, const char *const *keys);
/* String member KEY of O, copied; NULL when absent (an error if REQUIRED) or not a non-empty string. */
char *plan_str(struct plan_reader *r, const cJSON *o, const char *where, const char *key, bool required);
/* V as a whole number in LO..HI. */
bool plan_num(struct plan_reader *r, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, uint64_t *out);
bool plan_num_key(struct plan_reader *r, const cJSON *o, const char *where, const char *key, uint64_t lo,
		  uint64_t hi, uint64_t def, uint64_t *out);
/* An option's or param's value as the command line takes it; NULL with an error. */
char *plan_value(struct plan_reader *r, const cJSON *v, const char *path);
/* Array KEY of O, 1..MMR_PLAN_MAX_LIST items. */
const cJSON *plan_list(struct plan_reader *r, const cJSON *o, const char *key, bool required);

/* parts.c: the plan's lists.  Each returns 0, or -1 with the reader's error. */
int plan_read_traces(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);
int plan_read_engines(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);
int plan_read_threads(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);
int plan_read_opts(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);

#endif /* PLAN_INTERNAL_H */
