/* SPDX-License-Identifier: MIT */
/*
 * trace_internal.h - pieces shared by the .mmr writer and reader: the
 * on-disk constants, little-endian and varint helpers, a growable byte
 * buffer, block framing and the event codec.  Layout: docs/trace-format.md.
 */
#ifndef MMR_TRACE_INTERNAL_H
#define MMR_TRACE_INTERNAL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mmr_idmap.h"
#include "mmr_trace.h"

#define TRACE_MAGIC "MMRTRACE"
#define TRACE_VERSION_MAJOR 1
/* 1.1: the lock family's stacked flag and contention_begin call sites; 1.0 files read as before. */
#define TRACE_VERSION_MINOR 1

/* File header: fixed part, then TLV metadata of meta_len bytes. */
#define HDR_SIZE 32
#define HDR_OFF_MAJOR 8
#define HDR_OFF_MINOR 10
#define HDR_OFF_STATE 12
#define HDR_OFF_META_LEN 16
#define HDR_OFF_META_SUM 24
#define HDR_STATE_WRITING 1u
#define HDR_STATE_COMPLETE 2u
#define META_MAX_LEN (1u << 20)

enum meta_tag {
	META_KERNEL_RELEASE = 1,
	META_CLOCK = 2,
	META_SOURCE = 3,
	META_TOOL_VERSION = 4,
	META_NR_CPUS = 5,
	META_START_REALTIME = 6,
};

/* Block header: fixed size, followed by stored_size payload bytes. */
#define BLK_MAGIC 0x4b4c424du /* "MBLK" little-endian */
#define BLK_HDR_SIZE 48
#define BLK_SUM_COVERS 40 /* header bytes covered by the checksum, payload follows */

enum blk_type {
	BLK_EVENTS = 1,
	BLK_STRINGS = 2,
	BLK_LOST = 3,
	BLK_INDEX = 4,
};

enum blk_codec {
	BLK_CODEC_RAW = 0,
	BLK_CODEC_ZSTD = 1,
};

/* Footer: the last bytes of a finished file. */
#define FTR_MAGIC "MMRFOOT1"
#define FTR_SIZE 24

/* Sanity limits the reader enforces before allocating anything. */
#define BLK_MAX_EVENTS (1u << 22)
#define BLK_MAX_RAW (1u << 30)
#define EVENT_MAX_RAW 128 /* upper bound on one event's encoded bytes */
/*
 * Lower bound on one event's encoded bytes (kind, timestamp, cpu, pid, id,
 * mask: a byte each at least), after the column header: an EVENTS block
 * declaring more events than its raw size holds is refused before its
 * event array, of count times 80 bytes, is allocated.
 */
#define EVENT_MIN_RAW 6
#define EVENTS_HEADER_MIN_RAW 16 /* the column count and 15 column lengths */

struct blk_hdr {
	uint8_t type;
	uint8_t codec;
	uint32_t raw_size;
	uint32_t stored_size;
	uint64_t count; /* events, strings, cpus or index entries */
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t checksum;
};

/* ---- little-endian ---------------------------------------------------- */

static inline void le16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_get(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t le64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- growable buffer -------------------------------------------------- */

struct tbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom; /* sticky: set once a grow failed, checked once at the end */
};

void tbuf_reset(struct tbuf *b);
void tbuf_free(struct tbuf *b);
/* Grow B to hold N more bytes; false (and b->oom) when out of memory.  tbuf_reserve's slow path. */
bool tbuf_grow(struct tbuf *b, size_t n);

/*
 * Make room for N more bytes; false (and b->oom) when out of memory.
 * Inline, with the two puts: an encoder calls them for every field of
 * every event.
 */
static inline bool tbuf_reserve(struct tbuf *b, size_t n)
{
	return (!b->oom && b->cap - b->len >= n) || tbuf_grow(b, n);
}

static inline void tbuf_put(struct tbuf *b, const void *src, size_t n)
{
	if (n && tbuf_reserve(b, n)) {
		memcpy(b->p + b->len, src, n);
		b->len += n;
	}
}

/* V as a little-endian base-128 varint: 7 bits a byte, the top bit set on all but the last. */
static inline void tbuf_put_varint(struct tbuf *b, uint64_t v)
{
	if (!tbuf_reserve(b, 10))
		return;
	uint8_t *p = b->p + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->p);
}

/* A bounds-checked cursor over bytes being decoded. */
struct tcur {
	const uint8_t *p;
	const uint8_t *end;
	bool bad; /* sticky: ran past the end or met an overlong varint */
};

uint64_t tcur_varint(struct tcur *c);
/* Point *OUT at the next N bytes; false when fewer remain. */
bool tcur_bytes(struct tcur *c, size_t n, const uint8_t **out);


/* ---- block framing (block.c) ------------------------------------------ */

/*
 * Frame RAW as a block of TYPE into OUT (header + payload), compressing it
 * with zstd at LEVEL when that makes it smaller, or storing it as is when
 * LEVEL is BLK_STORED.  CCTX, when not NULL, is the compression context to
 * reuse (a writer keeps one: making one per block was most of the cost of
 * writing a small trace).  Returns 0, or -1 when out of memory or
 * compression failed.
 */
#define BLK_STORED INT_MIN /* no zstd level: every valid one is above -2^17 */
struct ZSTD_CCtx_s; /* zstd.h's ZSTD_CCtx */
int blk_frame(struct tbuf *out, struct blk_hdr *h, const uint8_t *raw, size_t raw_len,
	      int level, struct ZSTD_CCtx_s *cctx);
/* Parse a block header.  Returns NULL, or a reason when the bytes are not a block header. */
const char *blk_parse_hdr(const uint8_t *p, struct blk_hdr *h);
/* Verify the checksum over header bytes HP and payload.  Returns true when they match. */
bool blk_verify(const uint8_t *hp, const uint8_t *payload, const struct blk_hdr *h);
/*
 * Decompress (or copy) a verified payload into RAW.  Returns NULL, or a
 * reason the payload does not decode to h->raw_size bytes.
 */
const char *blk_unpack(const struct blk_hdr *h, const uint8_t *payload, struct tbuf *raw);

/* ---- event codec (codec.c) -------------------------------------------- */

struct codec_state;

/* Scratch state for encoding blocks (sized per block by codec_encode).  NULL when out of memory. */
struct codec_state *codec_new(void);
void codec_free(struct codec_state *cs);
/* Encode N events into RAW (appended).  Returns 0, or -1 when out of memory. */
int codec_encode(struct codec_state *cs, const struct mmr_event *ev, size_t n, struct tbuf *raw);
/*
 * Decode exactly N events from RAW into OUT.  Returns NULL, or a reason the
 * bytes are not a valid encoding of N events.
 */
const char *codec_decode(const uint8_t *raw, size_t len, size_t n, struct mmr_event *out);

/* ---- string tables (strtab.c) ----------------------------------------- */

enum strtab_kind {
	STR_SYMBOL = 1,
	STR_COMM = 2,
};

/* Names keyed by call-site address or pid, shared by writer and reader. */
struct strtab {
	struct mmr_idmap index[2]; /* key -> position in names, per kind */
	char **names;
	size_t len;
	size_t cap;
};

int strtab_init(struct strtab *t);
void strtab_destroy(struct strtab *t);
/*
 * Set KIND/KEY to NAME.  Returns 1 when that changed the table, 0 when it
 * already held exactly that, -1 when out of memory.
 */
int strtab_set(struct strtab *t, enum strtab_kind kind, uint64_t key, const char *name);
/* NAME for KIND/KEY, or NULL. */
const char *strtab_get(const struct strtab *t, enum strtab_kind kind, uint64_t key);
/* Append one entry in block-payload form to RAW. */
void strtab_encode_entry(struct tbuf *raw, enum strtab_kind kind, uint64_t key, const char *name);
/*
 * Load COUNT entries from a STRINGS payload into T.  Returns NULL, or a
 * reason the payload is malformed ("out of memory" included).
 */
const char *strtab_decode(struct strtab *t, const uint8_t *raw, size_t len, uint64_t count);

/* ---- metadata (meta.c) ------------------------------------------------ */

/* Metadata as owned strings, for the reader. */
struct meta_owned {
	struct mmr_meta pub;
	char *strings[4];
	uint64_t *lost;
};

/* Encode META's fields as header TLVs into OUT, tool version included. */
void meta_encode(struct tbuf *out, const struct mmr_meta *meta);
/* Decode TLVs into M.  Returns NULL, or a reason they are malformed. */
const char *meta_decode(struct meta_owned *m, const uint8_t *p, size_t len);
void meta_owned_free(struct meta_owned *m);
/*
 * Checksum of the header: its fixed part (state and checksum fields read
 * as zero, since close() rewrites the state in place) and META_LEN bytes
 * of metadata.
 */
uint64_t hdr_checksum(const uint8_t *hdr, const uint8_t *meta, size_t meta_len);

#endif /* MMR_TRACE_INTERNAL_H */
