/* SPDX-License-Identifier: MIT */
/*
 * catalog_json.c - the catalog loader's checks of one JSON value each:
 * present, of its type, not empty, and nothing unknown beside it.  Every
 * failure names the key by its path in the document, since the file is
 * written by hand and "families[2].baseline" finds the mistake at once.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_json.h"

void cat_path(char *buf, size_t n, const char *at, const char *key)
{
	if (!key)
		snprintf(buf, n, "%s", *at ? at : "(document)");
	else
		snprintf(buf, n, "%s%s%s", at, *at ? "." : "", key);
}

int cat_fail(const struct cat_ck *c, const char *at, const char *key, const char *fmt, ...)
{
	char where[100], what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cat_path(where, sizeof(where), at, key);
	snprintf(c->err->msg, sizeof(c->err->msg), "%.200s: %.100s: %.200s", c->file, where, what);
	cat_oneline(c->err->msg);
	return -1;
}

void cat_oneline(char *msg)
{
	for (unsigned char *s = (unsigned char *)msg; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int cat_keys(const struct cat_ck *c, const char *at, const cJSON *o, const char *const *known)
{
	if (!cJSON_IsObject(o))
		return cat_fail(c, at, NULL, "not an object");
	for (const cJSON *m = o->child; m; m = m->next) {
		size_t k = 0;
		while (known[k] && strcmp(known[k], m->string))
			k++;
		if (!known[k])
			return c->keys_doc ? cat_fail(c, at, m->string, "unknown key (%s lists the keys)", c->keys_doc)
					   : cat_fail(c, at, m->string, "unknown key");
		/* cJSON keeps both of a repeated key: a second one would be silently ignored. */
		if (cJSON_GetObjectItemCaseSensitive(o, m->string) != m)
			return cat_fail(c, at, m->string, "given twice");
	}
	return 0;
}

int cat_str(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, bool required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!v)
		return required ? cat_fail(c, at, key, "missing") : 0;
	if (!cJSON_IsString(v))
		return cat_fail(c, at, key, "not a string");
	if (!*v->valuestring)
		return cat_fail(c, at, key, "empty");
	*out = v->valuestring;
	return 0;
}

int cat_bool(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, bool required, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = false;
	if (!v)
		return required ? cat_fail(c, at, key, "missing") : 0;
	if (!cJSON_IsBool(v))
		return cat_fail(c, at, key, "not true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

int cat_int(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, double min, double max,
	    double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return cat_fail(c, at, key, "missing");
	if (!cJSON_IsNumber(v))
		return cat_fail(c, at, key, "not a number");
	if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < min || v->valuedouble > max)
		return cat_fail(c, at, key, "%g is not a whole number in %.0f..%.0f", v->valuedouble, min, max);
	*out = v->valuedouble;
	return 0;
}

bool cat_in(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

int cat_strs(const struct cat_ck *c, const char *at, const cJSON *o, const char *key, bool nonempty,
	     const char ***out, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	char where[160];
	*out = NULL;
	*n = 0;
	if (!a)
		return cat_fail(c, at, key, "missing");
	if (!cJSON_IsArray(a))
		return cat_fail(c, at, key, "not an array of strings");
	size_t len = (size_t)cJSON_GetArraySize(a);
	if (nonempty && !len)
		return cat_fail(c, at, key, "empty");
	/* One more than asked, so that an empty array is not a NULL that looks like a failure. */
	if (!(*out = calloc(len + 1, sizeof(**out))))
		return cat_fail(c, at, key, "out of memory");
	for (const cJSON *v = a->child; v; v = v->next, (*n)++) {
		snprintf(where, sizeof(where), "%s[%zu]", key, *n);
		if (!cJSON_IsString(v) || !*v->valuestring)
			return cat_fail(c, at, where, cJSON_IsString(v) ? "empty" : "not a string");
		if (nonempty && cat_in(*out, *n, v->valuestring))
			return cat_fail(c, at, where, "\"%.64s\" given twice", v->valuestring);
		(*out)[*n] = v->valuestring;
	}
	return 0;
}
