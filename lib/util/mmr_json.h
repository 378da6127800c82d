/* SPDX-License-Identifier: MIT */
/*
 * mmr_json.h - building JSON documents with cJSON, the way every mmreplay
 * report does: integers written as exact number text (cJSON's doubles
 * would round anything past 2^53, and nanosecond clocks pass it), doubles
 * with a fixed number of decimals so files diff cleanly, and one flag
 * that a failed allocation anywhere sets, checked once at the end.
 */
#ifndef MMR_JSON_H
#define MMR_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Building state: ok stays true until some item could not be made. */
struct mmr_json {
	bool ok;
};

/* ITEM, noting in J when it is NULL. */
cJSON *mmr_json_check(struct mmr_json *j, cJSON *item);
/* A new object or array member KEY of PARENT (NULL when out of memory, noted). */
cJSON *mmr_json_obj(struct mmr_json *j, cJSON *parent, const char *key);
cJSON *mmr_json_arr(struct mmr_json *j, cJSON *parent, const char *key);
/* A new object appended to ARRAY (NULL when out of memory, noted). */
cJSON *mmr_json_push_obj(struct mmr_json *j, cJSON *array);
/* Members of O: an exact integer, a double with DECIMALS, a string (null for NULL), null, a bool. */
void mmr_json_u64(struct mmr_json *j, cJSON *o, const char *key, uint64_t v);
void mmr_json_fixed(struct mmr_json *j, cJSON *o, const char *key, double v, int decimals);
void mmr_json_str(struct mmr_json *j, cJSON *o, const char *key, const char *s);
void mmr_json_null(struct mmr_json *j, cJSON *o, const char *key);
void mmr_json_bool(struct mmr_json *j, cJSON *o, const char *key, bool v);
/* An exact integer appended to ARRAY. */
void mmr_json_push_u64(struct mmr_json *j, cJSON *array, uint64_t v);

#ifdef __cplusplus
}
#endif

#endif /* MMR_JSON_H */
