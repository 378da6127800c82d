/* SPDX-License-Identifier: MIT */
/*
 * meta.c - the header's metadata as tag-length-value records, so a newer
 * minor version can add records an older reader skips.
 */
#include <stdlib.h>
#include <xxhash.h>

#include "trace_internal.h"

static void tlv_put(struct tbuf *out, enum meta_tag tag, const void *v, size_t n)
{
	uint8_t h[6];
	le16_put(h, (uint16_t)tag);
	le32_put(h + 2, (uint32_t)n);
	tbuf_put(out, h, sizeof(h));
	tbuf_put(out, v, n);
}

static void tlv_str(struct tbuf *out, enum meta_tag tag, const char *s)
{
	const char *v = s ? s : "";
	tlv_put(out, tag, v, strnlen(v, 4096));
}

void meta_encode(struct tbuf *out, const struct mmr_meta *meta)
{
	uint8_t n[8];
	tlv_str(out, META_KERNEL_RELEASE, meta->kernel_release);
	tlv_str(out, META_CLOCK, meta->clock);
	tlv_str(out, META_SOURCE, meta->source);
	tlv_str(out, META_TOOL_VERSION, mmr_tool_version());
	le32_put(n, meta->nr_cpus);
	tlv_put(out, META_NR_CPUS, n, 4);
	le64_put(n, meta->start_realtime_ns);
	tlv_put(out, META_START_REALTIME, n, 8);
}

static const char *meta_string(struct meta_owned *m, int slot, const uint8_t *v, uint32_t n)
{
	free(m->strings[slot]);
	m->strings[slot] = strndup((const char *)v, n);
	if (!m->strings[slot])
		return "out of memory";
	if (strlen(m->strings[slot]) != n)
		return "metadata string holds a NUL byte";
	return NULL;
}

static const char *meta_field(struct meta_owned *m, uint16_t tag, const uint8_t *v, uint32_t n)
{
	switch (tag) {
	case META_KERNEL_RELEASE:
		return meta_string(m, 0, v, n);
	case META_CLOCK:
		return meta_string(m, 1, v, n);
	case META_SOURCE:
		return meta_string(m, 2, v, n);
	case META_TOOL_VERSION:
		return meta_string(m, 3, v, n);
	case META_NR_CPUS:
		if (n != 4)
			return "nr_cpus record has the wrong size";
		m->pub.nr_cpus = le32_get(v);
		/* Bounded: the LOST block, and every per-CPU table of a reader, follow it. */
		return m->pub.nr_cpus > MMR_MAX_CPUS ? "nr_cpus above 8192 (corrupt)" : NULL;
	case META_START_REALTIME:
		if (n != 8)
			return "start time record has the wrong size";
		m->pub.start_realtime_ns = le64_get(v);
		return NULL;
	default:
		return NULL; /* a later minor version's record: skip it */
	}
}

const char *meta_decode(struct meta_owned *m, const uint8_t *p, size_t len)
{
	struct tcur c = {p, p + len, false};
	while (c.p < c.end) {
		const uint8_t *h, *v;
		if (!tcur_bytes(&c, 6, &h))
			return "metadata record header runs past the metadata";
		uint32_t n = le32_get(h + 2);
		if (!tcur_bytes(&c, n, &v))
			return "metadata record runs past the metadata";
		const char *why = meta_field(m, le16_get(h), v, n);
		if (why)
			return why;
	}
	static const char empty[] = "";
	m->pub.kernel_release = m->strings[0] ? m->strings[0] : empty;
	m->pub.clock = m->strings[1] ? m->strings[1] : empty;
	m->pub.source = m->strings[2] ? m->strings[2] : empty;
	m->pub.tool_version = m->strings[3] ? m->strings[3] : empty;
	return NULL;
}

void meta_owned_free(struct meta_owned *m)
{
	for (int i = 0; i < 4; i++)
		free(m->strings[i]);
	free(m->lost);
	*m = (struct meta_owned){0};
}

uint64_t hdr_checksum(const uint8_t *hdr, const uint8_t *meta, size_t meta_len)
{
	uint8_t fixed[HDR_SIZE];
	memcpy(fixed, hdr, HDR_SIZE);
	le32_put(fixed + HDR_OFF_STATE, 0);
	le64_put(fixed + HDR_OFF_META_SUM, 0);
	return XXH64(meta, meta_len, XXH64(fixed, HDR_SIZE, 0));
}
