/* SPDX-License-Identifier: MIT */
/*
 * block.c - framing of blocks: header, optional zstd, XXH64 over header
 * and payload.  The checksum covers the header too, so a torn or flipped
 * size field is caught before the reader trusts it.
 */
#include <xxhash.h>
#include <zstd.h>

#include "trace_internal.h"

static void hdr_pack(uint8_t *p, const struct blk_hdr *h)
{
	le32_put(p, BLK_MAGIC);
	p[4] = h->type;
	p[5] = h->codec;
	le16_put(p + 6, 0);
	le32_put(p + 8, h->raw_size);
	le32_put(p + 12, h->stored_size);
	le64_put(p + 16, h->count);
	le64_put(p + 24, h->first_ts);
	le64_put(p + 32, h->last_ts);
	le64_put(p + 40, h->checksum);
}

static uint64_t blk_sum(const uint8_t *hp, const uint8_t *payload, size_t len)
{
	/* Chaining through the seed covers both parts without a streaming state. */
	return XXH64(payload, len, XXH64(hp, BLK_SUM_COVERS, 0x6d6d72));
}

int blk_frame(struct tbuf *out, struct blk_hdr *h, const uint8_t *raw, size_t raw_len, int level,
	      ZSTD_CCtx *cctx)
{
	size_t bound = ZSTD_compressBound(raw_len);
	size_t start = out->len;
	if (raw_len > BLK_MAX_RAW || !tbuf_reserve(out, BLK_HDR_SIZE + bound))
		return -1;
	uint8_t *payload = out->p + start + BLK_HDR_SIZE;
	size_t stored = level == BLK_STORED ? raw_len
			: cctx ? ZSTD_compressCCtx(cctx, payload, bound, raw, raw_len, level)
			       : ZSTD_compress(payload, bound, raw, raw_len, level);
	if (ZSTD_isError(stored))
		return -1;
	h->codec = BLK_CODEC_ZSTD;
	if (level == BLK_STORED || stored >= raw_len) {
		/* Incompressible (tiny blocks): store as is rather than grow it. */
		memcpy(payload, raw, raw_len);
		stored = raw_len;
		h->codec = BLK_CODEC_RAW;
	}
	h->raw_size = (uint32_t)raw_len;
	h->stored_size = (uint32_t)stored;
	h->checksum = 0;
	hdr_pack(out->p + start, h);
	h->checksum = blk_sum(out->p + start, payload, stored);
	le64_put(out->p + start + 40, h->checksum);
	out->len = start + BLK_HDR_SIZE + stored;
	return 0;
}

const char *blk_parse_hdr(const uint8_t *p, struct blk_hdr *h)
{
	if (le32_get(p) != BLK_MAGIC)
		return "bad block magic";
	h->type = p[4];
	h->codec = p[5];
	h->raw_size = le32_get(p + 8);
	h->stored_size = le32_get(p + 12);
	h->count = le64_get(p + 16);
	h->first_ts = le64_get(p + 24);
	h->last_ts = le64_get(p + 32);
	h->checksum = le64_get(p + 40);
	return NULL;
}

bool blk_verify(const uint8_t *hp, const uint8_t *payload, const struct blk_hdr *h)
{
	return blk_sum(hp, payload, h->stored_size) == h->checksum;
}

const char *blk_unpack(const struct blk_hdr *h, const uint8_t *payload, struct tbuf *raw)
{
	if (h->raw_size > BLK_MAX_RAW)
		return "block too large";
	/* The frame says what it holds: a raw size it does not back is refused before allocating it. */
	if (h->codec == BLK_CODEC_ZSTD && ZSTD_getFrameContentSize(payload, h->stored_size) != h->raw_size)
		return "zstd frame size differs from the block header";
	tbuf_reset(raw);
	if (!tbuf_reserve(raw, h->raw_size ? h->raw_size : 1))
		return "out of memory";
	if (h->codec == BLK_CODEC_RAW) {
		if (h->stored_size != h->raw_size)
			return "stored and raw sizes differ in an uncompressed block";
		memcpy(raw->p, payload, h->raw_size);
	} else if (h->codec == BLK_CODEC_ZSTD) {
		size_t n = ZSTD_decompress(raw->p, h->raw_size, payload, h->stored_size);
		if (ZSTD_isError(n))
			return "zstd payload does not decompress";
		if (n != h->raw_size)
			return "decompressed size differs from the block header";
	} else {
		return "unknown block codec";
	}
	raw->len = h->raw_size;
	return NULL;
}
