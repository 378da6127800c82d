/* SPDX-License-Identifier: MIT */
/* json.c - the JSON building helpers of mmr_json.h. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "mmr_json.h"

cJSON *mmr_json_check(struct mmr_json *j, cJSON *item)
{
	if (!item)
		j->ok = false;
	return item;
}

cJSON *mmr_json_obj(struct mmr_json *j, cJSON *parent, const char *key)
{
	return mmr_json_check(j, parent ? cJSON_AddObjectToObject(parent, key) : NULL);
}

cJSON *mmr_json_arr(struct mmr_json *j, cJSON *parent, const char *key)
{
	return mmr_json_check(j, parent ? cJSON_AddArrayToObject(parent, key) : NULL);
}

cJSON *mmr_json_push_obj(struct mmr_json *j, cJSON *array)
{
	cJSON *o = array ? cJSON_CreateObject() : NULL;
	if (!o || !cJSON_AddItemToArray(array, o)) {
		cJSON_Delete(o);
		j->ok = false;
		return NULL;
	}
	return o;
}

void mmr_json_u64(struct mmr_json *j, cJSON *o, const char *key, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	mmr_json_check(j, o ? cJSON_AddRawToObject(o, key, buf) : NULL);
}

void mmr_json_fixed(struct mmr_json *j, cJSON *o, const char *key, double v, int decimals)
{
	char buf[64];
	/* JSON has no NaN or infinity: a figure that is not a number is null. */
	if (!isfinite(v)) {
		mmr_json_null(j, o, key);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	mmr_json_check(j, o ? cJSON_AddRawToObject(o, key, buf) : NULL);
}

void mmr_json_push_u64(struct mmr_json *j, cJSON *array, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cJSON *item = array ? cJSON_CreateRaw(buf) : NULL;
	if (!item || !cJSON_AddItemToArray(array, item)) {
		cJSON_Delete(item);
		j->ok = false;
	}
}

void mmr_json_str(struct mmr_json *j, cJSON *o, const char *key, const char *s)
{
	mmr_json_check(j, !o ? NULL : s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key));
}

void mmr_json_null(struct mmr_json *j, cJSON *o, const char *key)
{
	mmr_json_check(j, o ? cJSON_AddNullToObject(o, key) : NULL);
}

void mmr_json_bool(struct mmr_json *j, cJSON *o, const char *key, bool v)
{
	mmr_json_check(j, o ? cJSON_AddBoolToObject(o, key, v) : NULL);
}
