/* SPDX-License-Identifier: MIT */
/*
 * json_read.c - checks of one JSON value each: present, of its type, not
 * empty, in range, and nothing unknown beside it.  Every failure names
 * the key by its path in the document, since plans and the catalog are
 * written by hand and "families[2].baseline" finds the mistake at once.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"

void jr_path(char *buf, size_t n, const char *at, const char *key)
{
	if (!key)
		snprintf(buf, n, "%s", *at ? at : "(document)");
	else
		snprintf(buf, n, "%s%s%s", at, *at ? "." : "", key);
}

void jr_oneline(char *msg)
{
	for (unsigned char *s = (unsigned char *)msg; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int jr_fail(struct jr *r, const char *at, const char *key, const char *fmt, ...)
{
	char where[160], what[256];
	va_list ap;
	if (r->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	jr_path(where, sizeof(where), at, key);
	snprintf(r->err->msg, sizeof(r->err->msg), "%.200s: %.100s: %.200s", r->file, where, what);
	jr_oneline(r->err->msg);
	r->failed = true;
	return -1;
}

int jr_keys(struct jr *r, const char *at, const cJSON *o, const char *const *known)
{
	if (!cJSON_IsObject(o))
		return jr_fail(r, at, NULL, "not an object");
	for (const cJSON *m = o->child; m; m = m->next) {
		size_t k = 0;
		while (known[k] && strcmp(known[k], m->string))
			k++;
		if (!known[k])
			return r->keys_doc ? jr_fail(r, at, m->string, "unknown key (%s lists the keys)", r->keys_doc)
					   : jr_fail(r, at, m->string, "unknown key");
		/* cJSON keeps both of a repeated key: a second one would be silently ignored. */
		if (cJSON_GetObjectItemCaseSensitive(o, m->string) != m)
			return jr_fail(r, at, m->string, "given twice");
	}
	return 0;
}

int jr_str(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!v)
		return required ? jr_fail(r, at, key, "missing") : 0;
	if (!cJSON_IsString(v))
		return jr_fail(r, at, key, "not a string");
	if (!*v->valuestring)
		return jr_fail(r, at, key, "empty");
	*out = v->valuestring;
	return 0;
}

int jr_dup(struct jr *r, const char *at, const char *key, const char *s, char **out)
{
	if (!(*out = strdup(s)))
		return jr_fail(r, at, key, "out of memory");
	return 0;
}

int jr_str_dup(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, char **out)
{
	const char *s;
	*out = NULL;
	if (jr_str(r, at, o, key, required, &s))
		return -1;
	return s ? jr_dup(r, at, key, s, out) : 0;
}

int jr_bool(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = false;
	if (!v)
		return required ? jr_fail(r, at, key, "missing") : 0;
	if (!cJSON_IsBool(v))
		return jr_fail(r, at, key, "not true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

int jr_whole(struct jr *r, const char *at, const char *key, const cJSON *v, double lo, double hi, double *out)
{
	if (!cJSON_IsNumber(v))
		return jr_fail(r, at, key, "not a number (a whole number in %.0f..%.0f)", lo, hi);
	/* %.15g: the value as written (1.5, 4294967296), never rounded to look like a whole one. */
	if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
		return jr_fail(r, at, key, "%.15g is not a whole number in %.0f..%.0f", v->valuedouble, lo, hi);
	*out = v->valuedouble;
	return 0;
}

int jr_int(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, double lo, double hi,
	   double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return required ? jr_fail(r, at, key, "missing") : 0;
	return jr_whole(r, at, key, v, lo, hi, out);
}

int jr_list(struct jr *r, const char *at, const cJSON *o, const char *key, bool required, int max, const cJSON **out)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!a)
		return required ? jr_fail(r, at, key, "missing") : 0;
	int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
	if (n < 1 || n > max)
		return jr_fail(r, at, key, "not an array of 1 to %d items", max);
	*out = a;
	return 0;
}

bool jr_in(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

int jr_strs(struct jr *r, const char *at, const cJSON *o, const char *key, unsigned flags, size_t max,
	    const char ***out, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	char where[160];
	*out = NULL;
	*n = 0;
	if (!a)
		return flags & JR_REQUIRED ? jr_fail(r, at, key, "missing") : 0;
	if (!cJSON_IsArray(a))
		return jr_fail(r, at, key, "not an array of strings");
	size_t len = (size_t)cJSON_GetArraySize(a);
	if ((flags & JR_NONEMPTY) && !len)
		return jr_fail(r, at, key, "empty");
	if (max && len > max)
		return jr_fail(r, at, key, "%zu items, more than %zu", len, max);
	/* One more than asked, so that an empty array is not a NULL that looks like a failure. */
	if (!(*out = calloc(len + 1, sizeof(**out))))
		return jr_fail(r, at, key, "out of memory");
	for (const cJSON *v = a->child; v; v = v->next, (*n)++) {
		snprintf(where, sizeof(where), "%s[%zu]", key, *n);
		if (!cJSON_IsString(v) || !*v->valuestring)
			return jr_fail(r, at, where, cJSON_IsString(v) ? "empty" : "not a string");
		if ((flags & JR_NONEMPTY) && jr_in(*out, *n, v->valuestring))
			return jr_fail(r, at, where, "\"%.64s\" given twice", v->valuestring);
		(*out)[*n] = v->valuestring;
	}
	return 0;
}

int jr_value(struct jr *r, const char *at, const char *key, const cJSON *v, char **out)
{
	char buf[64];
	const char *s = NULL;
	*out = NULL;
	if (cJSON_IsString(v) && v->valuestring[0] && !strchr(v->valuestring, ',') && !strchr(v->valuestring, '='))
		s = v->valuestring;
	else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9.0e15)
		s = (snprintf(buf, sizeof(buf), "%.0f", v->valuedouble), buf);
	if (!s)
		return jr_fail(r, at, key, "not a whole number or a non-empty string without ',' or '='");
	return jr_dup(r, at, key, s, out);
}
