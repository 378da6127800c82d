/* SPDX-License-Identifier: MIT */
/*
 * codec.c - events of one block as columns of varints, before zstd.
 *
 * Allocation traces are dominated by pairs: an alloc of an address and,
 * soon after, the free of the same address.  So the object id is written
 * either as a back-reference ("the id of the event N places back") or as a
 * delta against the family's previous id; frees then cost a byte or two.
 * Fields an op does not use are left out through a presence mask, call
 * sites go through a per-block dictionary, and each column holds values of
 * one kind so zstd finds their repetitions.  Layout: docs/trace-format.md.
 */
#include <stdlib.h>

#include "trace_internal.h"

/* The kind varint: bit 0 backref, bits 1-4 the family, the op above them. */
#define KIND_FAM_MASK 15u
#define KIND_OP_SHIFT 5

enum column {
	C_KIND,     /* backref | family << 1 | op << KIND_OP_SHIFT */
	C_TS,       /* zigzag delta against the previous event */
	C_CPU,
	C_PID,      /* zigzag delta against the previous pid on that cpu */
	C_ID,       /* backref distance, or zigzag delta against the family's last id */
	C_MASK,     /* which optional fields follow */
	C_AUX,
	C_REQ,
	C_ALLOC,    /* zigzag of bytes_alloc - bytes_req */
	C_SITE,     /* dictionary index; the dictionary size means "new" */
	C_SITE_NEW, /* new call-site addresses */
	C_GFP,
	C_NODE,     /* zigzag */
	C_FLAGS,
	C_ORDER,
	NCOL
};

enum mask_bit {
	M_AUX = 1 << 0,
	M_REQ = 1 << 1,
	M_ALLOC = 1 << 2,
	M_SITE = 1 << 3,
	M_GFP = 1 << 4,
	M_NODE = 1 << 5,
	M_FLAGS = 1 << 6,
	M_ORDER = 1 << 7,
};

#define PID_SLOTS 256

struct codec_state {
	struct tbuf col[NCOL];
	struct mmr_idmap ids;   /* (family, id) key -> index of its last event in the block */
	struct mmr_idmap sites; /* call site -> dictionary index */
};

/* Families share one map; mixing the family in keeps their ids apart. */
static uint64_t id_key(uint64_t id, unsigned family)
{
	return id + (uint64_t)family * 0x9e3779b97f4a7c15ull;
}

struct codec_state *codec_new(void)
{
	/* The maps are made per block, for its number of events (codec_encode). */
	return calloc(1, sizeof(struct codec_state));
}

void codec_free(struct codec_state *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < NCOL; i++)
		tbuf_free(&cs->col[i]);
	mmr_idmap_destroy(&cs->ids);
	mmr_idmap_destroy(&cs->sites);
	free(cs);
}

/*
 * Empty the columns and maps for the next block, keeping their memory:
 * the id map of a 65536-event block is 2 MB, which allocated afresh per
 * block was page faults on every block of a capture.
 */
static void codec_clear(struct codec_state *cs)
{
	for (int i = 0; i < NCOL; i++)
		tbuf_reset(&cs->col[i]);
	mmr_idmap_clear(&cs->ids);
	mmr_idmap_clear(&cs->sites);
}

static unsigned event_mask(const struct mmr_event *e)
{
	return (e->aux ? M_AUX : 0) | (e->bytes_req ? M_REQ : 0) |
	       (e->bytes_alloc != e->bytes_req ? M_ALLOC : 0) | (e->call_site ? M_SITE : 0) |
	       (e->gfp ? M_GFP : 0) | (e->node != -1 ? M_NODE : 0) | (e->flags ? M_FLAGS : 0) |
	       (e->order ? M_ORDER : 0);
}

static int encode_site(struct codec_state *cs, uint64_t site)
{
	bool found;
	uint64_t *idx = mmr_idmap_slot(&cs->sites, site, &found);
	if (!idx)
		return -1;
	if (!found) {
		*idx = cs->sites.len - 1;
		tbuf_put_varint(&cs->col[C_SITE_NEW], site);
	}
	tbuf_put_varint(&cs->col[C_SITE], *idx);
	return 0;
}

static void encode_optional(struct codec_state *cs, const struct mmr_event *e, unsigned mask)
{
	uint8_t m = (uint8_t)mask;
	tbuf_put(&cs->col[C_MASK], &m, 1);
	if (mask & M_AUX)
		tbuf_put_varint(&cs->col[C_AUX], e->aux);
	if (mask & M_REQ)
		tbuf_put_varint(&cs->col[C_REQ], e->bytes_req);
	if (mask & M_ALLOC)
		tbuf_put_varint(&cs->col[C_ALLOC], zigzag((int64_t)(e->bytes_alloc - e->bytes_req)));
	if (mask & M_GFP)
		tbuf_put_varint(&cs->col[C_GFP], e->gfp);
	if (mask & M_NODE)
		tbuf_put_varint(&cs->col[C_NODE], zigzag(e->node));
	if (mask & M_FLAGS)
		tbuf_put_varint(&cs->col[C_FLAGS], e->flags);
	if (mask & M_ORDER)
		tbuf_put(&cs->col[C_ORDER], &e->order, 1);
}

int codec_encode(struct codec_state *cs, const struct mmr_event *ev, size_t n, struct tbuf *raw)
{
	uint64_t prev_ts = 0, prev_id[MMR_FAM_COUNT] = {0};
	int32_t prev_pid[PID_SLOTS] = {0};
	int rc = 0;

	codec_clear(cs);
	if ((!cs->ids.cap && mmr_idmap_init(&cs->ids, n)) || (!cs->sites.cap && mmr_idmap_init(&cs->sites, 256)))
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct mmr_event *e = &ev[i];
		unsigned fam = e->family & KIND_FAM_MASK, mask = event_mask(e);
		bool found;
		uint64_t *last = mmr_idmap_slot(&cs->ids, id_key(e->id, fam), &found);
		if (!last)
			return -1;
		bool backref = found && ev[*last].id == e->id && ev[*last].family == fam;

		tbuf_put_varint(&cs->col[C_KIND], backref | fam << 1 | (uint64_t)e->op << KIND_OP_SHIFT);
		tbuf_put_varint(&cs->col[C_TS], zigzag((int64_t)(e->ts_ns - prev_ts)));
		tbuf_put_varint(&cs->col[C_CPU], e->cpu);
		tbuf_put_varint(&cs->col[C_PID],
				zigzag((int64_t)e->pid - prev_pid[e->cpu % PID_SLOTS]));
		if (backref)
			tbuf_put_varint(&cs->col[C_ID], i - *last);
		else
			tbuf_put_varint(&cs->col[C_ID], zigzag((int64_t)(e->id - prev_id[fam])));
		*last = i;
		encode_optional(cs, e, mask);
		if (mask & M_SITE)
			rc = encode_site(cs, e->call_site);
		prev_ts = e->ts_ns;
		prev_pid[e->cpu % PID_SLOTS] = e->pid;
		prev_id[fam] = e->id;
	}
	tbuf_put_varint(raw, NCOL);
	for (int c = 0; c < NCOL; c++)
		tbuf_put_varint(raw, cs->col[c].len);
	for (int c = 0; c < NCOL; c++) {
		tbuf_put(raw, cs->col[c].p, cs->col[c].len);
		rc |= cs->col[c].oom ? -1 : 0;
	}
	return rc || raw->oom ? -1 : 0;
}

/* Decoding --------------------------------------------------------------- */

struct decoder {
	struct tcur col[NCOL];
	uint64_t *sites;
	size_t nsites;
	size_t cap_sites;
};

static const char *decode_site(struct decoder *d, uint64_t *site)
{
	uint64_t idx = tcur_varint(&d->col[C_SITE]);
	if (idx < d->nsites) {
		*site = d->sites[idx];
		return NULL;
	}
	if (idx != d->nsites)
		return "call-site dictionary index out of range";
	if (d->nsites == d->cap_sites) {
		size_t cap = d->cap_sites ? 2 * d->cap_sites : 64;
		uint64_t *s = realloc(d->sites, cap * sizeof(*s));
		if (!s)
			return "out of memory";
		d->sites = s;
		d->cap_sites = cap;
	}
	*site = d->sites[d->nsites++] = tcur_varint(&d->col[C_SITE_NEW]);
	return NULL;
}

static const char *decode_optional(struct decoder *d, struct mmr_event *e)
{
	const uint8_t *m, *order;
	if (!tcur_bytes(&d->col[C_MASK], 1, &m))
		return "presence mask column too short";
	e->aux = *m & M_AUX ? tcur_varint(&d->col[C_AUX]) : 0;
	e->bytes_req = *m & M_REQ ? tcur_varint(&d->col[C_REQ]) : 0;
	e->bytes_alloc = e->bytes_req;
	if (*m & M_ALLOC)
		e->bytes_alloc += (uint64_t)unzigzag(tcur_varint(&d->col[C_ALLOC]));
	uint64_t gfp = *m & M_GFP ? tcur_varint(&d->col[C_GFP]) : 0;
	int64_t node = *m & M_NODE ? unzigzag(tcur_varint(&d->col[C_NODE])) : -1;
	uint64_t flags = *m & M_FLAGS ? tcur_varint(&d->col[C_FLAGS]) : 0;
	if (gfp > UINT32_MAX || node < INT32_MIN || node > INT32_MAX || flags > UINT16_MAX)
		return "field value out of range";
	e->gfp = (uint32_t)gfp;
	e->node = (int32_t)node;
	e->flags = (uint16_t)flags;
	e->order = 0;
	if (*m & M_ORDER) {
		if (!tcur_bytes(&d->col[C_ORDER], 1, &order))
			return "order column too short";
		e->order = *order;
	}
	e->call_site = 0;
	return *m & M_SITE ? decode_site(d, &e->call_site) : NULL;
}

static const char *decode_event(struct decoder *d, struct mmr_event *out, size_t i,
				uint64_t *prev_ts, int32_t *prev_pid, uint64_t *prev_id)
{
	struct mmr_event *e = &out[i];
	uint64_t kind = tcur_varint(&d->col[C_KIND]);
	unsigned fam = (kind >> 1) & KIND_FAM_MASK;
	if ((kind >> KIND_OP_SHIFT) >= MMR_OP_COUNT)
		return "unknown op";
	if (fam >= MMR_FAM_COUNT)
		return "unknown family";
	e->family = (uint8_t)fam;
	e->op = (uint8_t)(kind >> KIND_OP_SHIFT);
	e->ts_ns = *prev_ts + (uint64_t)unzigzag(tcur_varint(&d->col[C_TS]));
	uint64_t cpu = tcur_varint(&d->col[C_CPU]);
	if (cpu > UINT32_MAX)
		return "cpu out of range";
	e->cpu = (uint32_t)cpu;
	/* Checked before the sum: a delta near 2^63 would overflow it. */
	int64_t dpid = unzigzag(tcur_varint(&d->col[C_PID]));
	if (dpid < -(INT64_C(1) << 32) || dpid > (INT64_C(1) << 32))
		return "pid out of range";
	int64_t pid = prev_pid[cpu % PID_SLOTS] + dpid;
	if (pid < INT32_MIN || pid > INT32_MAX)
		return "pid out of range";
	e->pid = (int32_t)pid;
	uint64_t idv = tcur_varint(&d->col[C_ID]);
	if (kind & 1) {
		if (idv == 0 || idv > i)
			return "back-reference before the start of the block";
		e->id = out[i - idv].id;
	} else {
		e->id = prev_id[fam] + (uint64_t)unzigzag(idv);
	}
	const char *why = decode_optional(d, e);
	*prev_ts = e->ts_ns;
	prev_pid[cpu % PID_SLOTS] = e->pid;
	prev_id[fam] = e->id;
	return why;
}

static const char *decoder_init(struct decoder *d, const uint8_t *raw, size_t len)
{
	struct tcur c = {raw, raw + len, false};
	uint64_t lens[NCOL];
	if (tcur_varint(&c) != NCOL || c.bad)
		return "wrong number of event columns";
	for (int i = 0; i < NCOL; i++)
		lens[i] = tcur_varint(&c);
	for (int i = 0; i < NCOL; i++) {
		const uint8_t *p;
		if (c.bad || lens[i] > len || !tcur_bytes(&c, lens[i], &p))
			return "event columns run past the block";
		d->col[i] = (struct tcur){p, p + lens[i], false};
	}
	return c.p == c.end ? NULL : "event block has trailing bytes";
}

const char *codec_decode(const uint8_t *raw, size_t len, size_t n, struct mmr_event *out)
{
	struct decoder d = {0};
	uint64_t prev_ts = 0, prev_id[MMR_FAM_COUNT] = {0};
	int32_t prev_pid[PID_SLOTS] = {0};
	const char *why = decoder_init(&d, raw, len);

	for (size_t i = 0; i < n && !why; i++)
		why = decode_event(&d, out, i, &prev_ts, prev_pid, prev_id);
	for (int c = 0; c < NCOL && !why; c++) {
		if (d.col[c].bad)
			why = "event column ends early or holds an overlong number";
		else if (d.col[c].p != d.col[c].end)
			why = "event column has trailing bytes";
	}
	free(d.sites);
	return why;
}
