/* SPDX-License-Identifier: MIT */
/*
 * writer.c - the streaming .mmr writer.
 *
 * Memory is bounded by one block of events.  Each block goes to disk as
 * soon as it is full, whole and checksummed, so a writer killed at any
 * moment leaves a file the reader recovers up to its last complete block.
 * The header says WRITING until close() has written the index and footer,
 * which is how the reader tells a killed writer from a truncated file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "trace_internal.h"

#define DEFAULT_BLOCK_EVENTS 65536
#define DEFAULT_ZSTD_LEVEL 3
#define WRITER_FIRST_EVENTS 1024 /* the block buffer's first size */

struct index_entry {
	uint64_t offset;
	struct blk_hdr h;
};

struct mmr_writer {
	char *path;
	int fd;
	uint64_t off; /* bytes in the file so far */
	int level;
	ZSTD_CCtx *cctx;       /* made at the first compressed block, reused for the others */
	struct mmr_event *evs; /* the block being filled: CAP events allocated, MAX a block */
	size_t n, cap, max;
	uint64_t events;
	struct codec_state *cs;
	struct tbuf raw, framed;
	struct strtab names;
	struct tbuf new_names; /* names not yet on disk, as a STRINGS payload */
	uint64_t nnew_names;
	struct index_entry *index;
	size_t nindex, cap_index;
	uint64_t *lost;
	uint32_t nr_cpus;
	/*
	 * After a failed write nothing more reaches the file: it is cut back
	 * to GOOD, the end of its last whole block, which the reader recovers
	 * as a killed writer's file; every later call fails with FAILED.  An
	 * error that passes (a disk with room again) must not let the close
	 * put an index over a broken block and make the whole file unreadable.
	 */
	uint64_t good;
	bool broken;
	struct mmr_error failed;
};

/* The error that broke W, again, for a call after it.  Returns -1. */
static int still_broken(const struct mmr_writer *w, struct mmr_error *err)
{
	if (err)
		*err = w->failed;
	return -1;
}

static int write_all(struct mmr_writer *w, const uint8_t *p, size_t len, struct mmr_error *err)
{
	uint64_t at = w->off;
	while (len) {
		ssize_t k = write(w->fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			mmr_error_at(&w->failed, w->path, at, "write failed: %s",
				     k < 0 ? strerror(errno) : "no space written");
			w->broken = true;
			/* Failing that, the reader still stops at the broken block. */
			if (ftruncate(w->fd, (off_t)w->good) == 0)
				w->off = w->good;
			return still_broken(w, err);
		}
		p += k;
		len -= (size_t)k;
		w->off += (uint64_t)k;
	}
	return 0;
}

static int write_block(struct mmr_writer *w, struct blk_hdr *h, const struct tbuf *raw,
		       struct mmr_error *err)
{
	if (raw->oom)
		goto oom;
	tbuf_reset(&w->framed);
	if (w->level != BLK_STORED && !w->cctx && !(w->cctx = ZSTD_createCCtx()))
		goto oom;
	if (blk_frame(&w->framed, h, raw->p, raw->len, w->level, w->cctx))
		goto oom;
	if (w->nindex == w->cap_index) {
		size_t cap = w->cap_index ? 2 * w->cap_index : 64;
		struct index_entry *ix = realloc(w->index, cap * sizeof(*ix));
		if (!ix)
			goto oom;
		w->index = ix;
		w->cap_index = cap;
	}
	w->index[w->nindex++] = (struct index_entry){w->off, *h};
	if (write_all(w, w->framed.p, w->framed.len, err))
		return -1;
	w->good = w->off;
	return 0;
oom:
	mmr_error_at(err, w->path, w->off, "out of memory framing a block");
	return -1;
}

/* Names go out before the events that use them, so a recovered file has them. */
static int flush_names(struct mmr_writer *w, struct mmr_error *err)
{
	if (!w->nnew_names)
		return 0;
	struct blk_hdr h = {.type = BLK_STRINGS, .count = w->nnew_names};
	int rc = write_block(w, &h, &w->new_names, err);
	tbuf_reset(&w->new_names);
	w->nnew_names = 0;
	return rc;
}

static int flush_events(struct mmr_writer *w, struct mmr_error *err)
{
	if (flush_names(w, err))
		return -1;
	if (!w->n)
		return 0;
	struct blk_hdr h = {.type = BLK_EVENTS, .count = w->n, .first_ts = UINT64_MAX};
	for (size_t i = 0; i < w->n; i++) {
		h.first_ts = w->evs[i].ts_ns < h.first_ts ? w->evs[i].ts_ns : h.first_ts;
		h.last_ts = w->evs[i].ts_ns > h.last_ts ? w->evs[i].ts_ns : h.last_ts;
	}
	tbuf_reset(&w->raw);
	if (codec_encode(w->cs, w->evs, w->n, &w->raw)) {
		mmr_error_at(err, w->path, w->off, "out of memory encoding a block");
		return -1;
	}
	w->n = 0;
	return write_block(w, &h, &w->raw, err);
}

static int write_header(struct mmr_writer *w, const struct mmr_meta *meta, struct mmr_error *err)
{
	struct tbuf b = {0};
	tbuf_reserve(&b, HDR_SIZE);
	tbuf_put(&b, TRACE_MAGIC, 8);
	b.len = HDR_SIZE;
	meta_encode(&b, meta);
	if (b.oom) {
		tbuf_free(&b);
		mmr_error_at(err, w->path, 0, "out of memory writing the header");
		return -1;
	}
	memset(b.p + 8, 0, HDR_SIZE - 8);
	le16_put(b.p + HDR_OFF_MAJOR, TRACE_VERSION_MAJOR);
	le16_put(b.p + HDR_OFF_MINOR, TRACE_VERSION_MINOR);
	le32_put(b.p + HDR_OFF_STATE, HDR_STATE_WRITING);
	le32_put(b.p + HDR_OFF_META_LEN, (uint32_t)(b.len - HDR_SIZE));
	le64_put(b.p + HDR_OFF_META_SUM, hdr_checksum(b.p, b.p + HDR_SIZE, b.len - HDR_SIZE));
	int rc = write_all(w, b.p, b.len, err);
	w->good = w->off;
	tbuf_free(&b);
	return rc;
}

static void writer_free(struct mmr_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	codec_free(w->cs);
	ZSTD_freeCCtx(w->cctx);
	tbuf_free(&w->raw);
	tbuf_free(&w->framed);
	tbuf_free(&w->new_names);
	strtab_destroy(&w->names);
	free(w->evs);
	free(w->index);
	free(w->lost);
	free(w->path);
	free(w);
}

struct mmr_writer *mmr_writer_open(const char *path, const struct mmr_meta *meta,
				   const struct mmr_writer_opts *opts, struct mmr_error *err)
{
	struct mmr_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		mmr_error_at(err, path, 0, "out of memory");
		return NULL;
	}
	w->fd = -1;
	if (meta->nr_cpus > MMR_MAX_CPUS) {
		mmr_error_at(err, path, 0, "%u CPUs, more than the %u a trace can have", meta->nr_cpus, MMR_MAX_CPUS);
		free(w);
		return NULL;
	}
	w->max = opts && opts->block_events ? opts->block_events : DEFAULT_BLOCK_EVENTS;
	w->level = opts && opts->zstd_level ? opts->zstd_level : DEFAULT_ZSTD_LEVEL;
	if (opts && opts->stored)
		w->level = BLK_STORED;
	if (w->max > BLK_MAX_EVENTS)
		w->max = BLK_MAX_EVENTS;
	w->nr_cpus = meta->nr_cpus;
	w->path = strdup(path);
	/*
	 * The block's buffer grows to MAX as events come: a small trace (an
	 * import of a few lines, a fuzzer's input) need not allocate and
	 * fault in 5 MB for a block of 65536 events.
	 */
	w->cap = w->max < WRITER_FIRST_EVENTS ? w->max : WRITER_FIRST_EVENTS;
	w->evs = malloc(w->cap * sizeof(*w->evs));
	w->cs = codec_new();
	w->lost = calloc(meta->nr_cpus ? meta->nr_cpus : 1, sizeof(*w->lost));
	if (!w->path || !w->evs || !w->cs || !w->lost || strtab_init(&w->names)) {
		mmr_error_at(err, path, 0, "out of memory");
		goto fail;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		mmr_error_at(err, path, 0, "cannot create: %s", strerror(errno));
		goto fail;
	}
	if (write_header(w, meta, err))
		goto fail;
	return w;
fail:
	writer_free(w);
	return NULL;
}

int mmr_writer_write(struct mmr_writer *w, const struct mmr_event *ev, struct mmr_error *err)
{
	if (w->broken)
		return still_broken(w, err);
	if (ev->family >= MMR_FAM_COUNT || ev->op >= MMR_OP_COUNT) {
		mmr_error_at(err, w->path, w->off, "event %llu has unknown family %u or op %u",
			  (unsigned long long)w->events, ev->family, ev->op);
		return -1;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap * 2 < w->max ? w->cap * 2 : w->max;
		struct mmr_event *evs = realloc(w->evs, cap * sizeof(*evs));
		if (!evs) {
			mmr_error_at(err, w->path, w->off, "out of memory");
			return -1;
		}
		w->evs = evs;
		w->cap = cap;
	}
	w->evs[w->n++] = *ev;
	w->events++;
	return w->n == w->max ? flush_events(w, err) : 0;
}

static int add_name(struct mmr_writer *w, enum strtab_kind kind, uint64_t key, const char *name,
		    struct mmr_error *err)
{
	int changed = strtab_set(&w->names, kind, key, name);
	if (changed > 0) {
		strtab_encode_entry(&w->new_names, kind, key, name);
		w->nnew_names++;
	}
	if (changed < 0 || w->new_names.oom) {
		mmr_error_at(err, w->path, w->off, "out of memory adding a name");
		return -1;
	}
	return 0;
}

int mmr_writer_add_symbol(struct mmr_writer *w, uint64_t addr, const char *name,
			  struct mmr_error *err)
{
	return add_name(w, STR_SYMBOL, addr, name, err);
}

int mmr_writer_add_comm(struct mmr_writer *w, int32_t pid, const char *comm,
			struct mmr_error *err)
{
	return add_name(w, STR_COMM, (uint64_t)(uint32_t)pid, comm, err);
}

int mmr_writer_set_lost(struct mmr_writer *w, uint32_t cpu, uint64_t lost, struct mmr_error *err)
{
	if (cpu >= w->nr_cpus) {
		mmr_error_at(err, w->path, w->off, "lost count for cpu %u, but the trace has %u cpus",
			  cpu, w->nr_cpus);
		return -1;
	}
	w->lost[cpu] = lost;
	return 0;
}

uint64_t mmr_writer_events(const struct mmr_writer *w)
{
	return w->events;
}

uint64_t mmr_writer_bytes(const struct mmr_writer *w)
{
	return w->off;
}

static int write_tail(struct mmr_writer *w, struct mmr_error *err)
{
	struct blk_hdr h = {.type = BLK_LOST, .count = w->nr_cpus};
	tbuf_reset(&w->raw);
	for (uint32_t c = 0; c < w->nr_cpus; c++)
		tbuf_put_varint(&w->raw, w->lost[c]);
	if (write_block(w, &h, &w->raw, err))
		return -1;

	uint64_t index_off = w->off, prev = 0;
	tbuf_reset(&w->raw);
	for (size_t i = 0; i < w->nindex; i++) {
		const struct index_entry *e = &w->index[i];
		tbuf_put_varint(&w->raw, e->h.type);
		tbuf_put_varint(&w->raw, e->offset - prev);
		tbuf_put_varint(&w->raw, e->h.count);
		tbuf_put_varint(&w->raw, e->h.first_ts);
		tbuf_put_varint(&w->raw, e->h.last_ts - e->h.first_ts);
		prev = e->offset;
	}
	h = (struct blk_hdr){.type = BLK_INDEX, .count = w->nindex};
	if (write_block(w, &h, &w->raw, err))
		return -1;

	uint8_t f[FTR_SIZE];
	memcpy(f, FTR_MAGIC, 8);
	le64_put(f + 8, index_off);
	le64_put(f + 16, XXH64(f, 16, 0));
	if (write_all(w, f, sizeof(f), err))
		return -1;
	uint8_t state[4];
	le32_put(state, HDR_STATE_COMPLETE);
	if (pwrite(w->fd, state, 4, HDR_OFF_STATE) != 4) {
		mmr_error_at(err, w->path, HDR_OFF_STATE, "cannot mark the trace complete: %s",
			  strerror(errno));
		return -1;
	}
	return 0;
}

int mmr_writer_close(struct mmr_writer *w, struct mmr_error *err)
{
	int rc = w->broken ? still_broken(w, err) : flush_events(w, err);
	if (!rc)
		rc = write_tail(w, err);
	if (!rc && close(w->fd)) {
		mmr_error_at(err, w->path, w->off, "close failed: %s", strerror(errno));
		rc = -1;
	}
	w->fd = -1;
	writer_free(w);
	return rc;
}
