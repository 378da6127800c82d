/* SPDX-License-Identifier: MIT */
/*
 * strtab.c - call-site symbols and comm names.  The writer keeps one to
 * emit each name once; the reader keeps one to answer lookups.
 */
#include <stdlib.h>

#include "trace_internal.h"

#define STR_MAX_LEN 4096

int strtab_init(struct strtab *t)
{
	*t = (struct strtab){0};
	if (mmr_idmap_init(&t->index[0], 64) || mmr_idmap_init(&t->index[1], 64)) {
		strtab_destroy(t);
		return -1;
	}
	return 0;
}

void strtab_destroy(struct strtab *t)
{
	for (size_t i = 0; i < t->len; i++)
		free(t->names[i]);
	free(t->names);
	mmr_idmap_destroy(&t->index[0]);
	mmr_idmap_destroy(&t->index[1]);
	*t = (struct strtab){0};
}

int strtab_set(struct strtab *t, enum strtab_kind kind, uint64_t key, const char *name)
{
	struct mmr_idmap *ix = &t->index[kind == STR_COMM];
	uint64_t *pos = mmr_idmap_get(ix, key);
	if (pos && strcmp(t->names[*pos], name) == 0)
		return 0;
	char *copy = strndup(name, STR_MAX_LEN);
	if (!copy)
		return -1;
	if (pos) {
		/* A pid reused by another task, or a symbol renamed: last name wins. */
		free(t->names[*pos]);
		t->names[*pos] = copy;
		return 1;
	}
	if (t->len == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **names = realloc(t->names, cap * sizeof(*names));
		if (!names)
			goto oom;
		t->names = names;
		t->cap = cap;
	}
	if (mmr_idmap_put(ix, key, t->len))
		goto oom;
	t->names[t->len++] = copy;
	return 1;
oom:
	free(copy);
	return -1;
}

const char *strtab_get(const struct strtab *t, enum strtab_kind kind, uint64_t key)
{
	uint64_t *pos = mmr_idmap_get(&t->index[kind == STR_COMM], key);
	return pos ? t->names[*pos] : NULL;
}

void strtab_encode_entry(struct tbuf *raw, enum strtab_kind kind, uint64_t key, const char *name)
{
	size_t n = strnlen(name, STR_MAX_LEN);
	tbuf_put_varint(raw, kind);
	tbuf_put_varint(raw, key);
	tbuf_put_varint(raw, n);
	tbuf_put(raw, name, n);
}

const char *strtab_decode(struct strtab *t, const uint8_t *raw, size_t len, uint64_t count)
{
	struct tcur c = {raw, raw + len, false};
	char name[STR_MAX_LEN + 1];
	for (uint64_t i = 0; i < count; i++) {
		uint64_t kind = tcur_varint(&c);
		uint64_t key = tcur_varint(&c);
		uint64_t n = tcur_varint(&c);
		const uint8_t *bytes;
		if (c.bad || n > STR_MAX_LEN || !tcur_bytes(&c, n, &bytes))
			return "string table entry runs past its block";
		if (kind != STR_SYMBOL && kind != STR_COMM)
			return "unknown string table entry kind";
		memcpy(name, bytes, n);
		name[n] = '\0';
		if (strtab_set(t, (enum strtab_kind)kind, key, name) < 0)
			return "out of memory";
	}
	return c.p == c.end ? NULL : "string table block has trailing bytes";
}
