/* SPDX-License-Identifier: MIT */
/* buf.c - growable output buffer, bounds-checked input cursor, error lines. */
#include <stdio.h>
#include <stdlib.h>

#include "trace_internal.h"

void tbuf_reset(struct tbuf *b)
{
	b->len = 0;
	b->oom = false;
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	*b = (struct tbuf){0};
}

bool tbuf_grow(struct tbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->cap - b->len >= n)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

uint64_t tcur_varint(struct tcur *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end)
			break;
		uint8_t byte = *c->p++;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	c->bad = true;
	c->p = c->end;
	return 0;
}

bool tcur_bytes(struct tcur *c, size_t n, const uint8_t **out)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return false;
	}
	*out = c->p;
	c->p += n;
	return true;
}

void mmr_error_at(struct mmr_error *err, const char *path, uint64_t off, const char *fmt, ...)
{
	if (!err)
		return;
	int n = snprintf(err->msg, sizeof(err->msg), "%s: offset %llu: ", path,
			 (unsigned long long)off);
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}
