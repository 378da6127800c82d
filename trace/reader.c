/* SPDX-License-Identifier: MIT */
/*
 * reader.c - the verifying .mmr reader.
 *
 * Nothing read from the file is trusted before it is checked: sizes are
 * compared with the file's length before anything is allocated, every
 * block's checksum is verified before its payload is decoded, and blocks
 * must tile the file exactly as the index says.  Every failure names the
 * file and the byte offset.  A file whose writer never finished (header
 * state WRITING, no footer) is scanned block by block instead, and
 * everything up to the first incomplete block is kept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "trace_internal.h"

struct rblock {
	struct mmr_block_info info;
	struct blk_hdr h;
	size_t part; /* the file it is in */
};

/* One file of the trace: the trace itself, or one part of a directory of them. */
struct rpart {
	char *path;
	int fd;
	uint64_t size;
	uint64_t data_start;
	bool lost_known; /* it had a lost-event block */
};

struct mmr_reader {
	/* The part being opened or read: a copy of parts[part]'s fields (select_part). */
	char *path;
	int fd;
	uint64_t size;
	uint64_t data_start;
	size_t part;
	struct rpart *parts;
	size_t nparts;
	struct meta_owned meta;
	struct strtab names;
	struct rblock *blocks; /* event blocks only */
	size_t nblocks, cap_blocks;
	uint64_t nevents;
	size_t cur; /* next block for next_block() */
	struct mmr_event *evs;
	size_t cap_evs, pos, n; /* mmr_reader_next's view of the current block */
	struct tbuf payload, raw;
	char warning[1024];
	uint64_t discarded; /* bytes of a killed writer's file left unread */
};

static int read_at(struct mmr_reader *r, void *buf, size_t len, uint64_t off,
		   struct mmr_error *err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t k = pread(r->fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			mmr_error_at(err, r->path, off + done, "%s",
				  k < 0 ? strerror(errno) : "unexpected end of file (truncated)");
			return -1;
		}
		done += (size_t)k;
	}
	return 0;
}

/* Plausible sizes for a block of this type, checked before allocating. */
static const char *blk_check_sizes(const struct blk_hdr *h)
{
	if (h->type < BLK_EVENTS || h->type > BLK_INDEX)
		return "unknown block type";
	if (h->codec != BLK_CODEC_RAW && h->codec != BLK_CODEC_ZSTD)
		return "unknown block codec";
	if (h->type == BLK_EVENTS &&
	    (h->count == 0 || h->count > BLK_MAX_EVENTS ||
	     h->raw_size > 64 + h->count * EVENT_MAX_RAW ||
	     h->raw_size < EVENTS_HEADER_MIN_RAW + h->count * EVENT_MIN_RAW))
		return "event block sizes are implausible";
	if (h->type == BLK_LOST && h->count > MMR_MAX_CPUS)
		return "lost-event block for more than 8192 CPUs";
	if (h->raw_size > BLK_MAX_RAW || h->count > h->raw_size + 1ull)
		return "block sizes are implausible";
	if (h->type == BLK_EVENTS && h->first_ts > h->last_ts)
		return "block's first timestamp is after its last";
	return NULL;
}

/*
 * Read the block at OFF, which must end by LIMIT.  With PAYLOAD, also read,
 * verify and unpack its payload into r->raw.  Returns 0 or -1 (ERR).
 */
static int read_block(struct mmr_reader *r, uint64_t off, uint64_t limit, struct blk_hdr *h,
		      bool payload, struct mmr_error *err)
{
	uint8_t hp[BLK_HDR_SIZE];
	const char *why;
	if (off > limit || limit - off < BLK_HDR_SIZE) {
		mmr_error_at(err, r->path, off, "block header runs past the end (truncated)");
		return -1;
	}
	if (read_at(r, hp, sizeof(hp), off, err))
		return -1;
	if ((why = blk_parse_hdr(hp, h)) || (why = blk_check_sizes(h)))
		goto bad;
	if (h->stored_size > limit - off - BLK_HDR_SIZE) {
		mmr_error_at(err, r->path, off, "block payload of %u bytes runs past the end (truncated)",
			  h->stored_size);
		return -1;
	}
	if (!payload)
		return 0;
	tbuf_reset(&r->payload);
	if (!tbuf_reserve(&r->payload, h->stored_size + 1u)) {
		why = "out of memory";
		goto bad;
	}
	if (read_at(r, r->payload.p, h->stored_size, off + BLK_HDR_SIZE, err))
		return -1;
	if (!blk_verify(hp, r->payload.p, h)) {
		why = "block checksum mismatch (corrupt)";
		goto bad;
	}
	if ((why = blk_unpack(h, r->payload.p, &r->raw)))
		goto bad;
	return 0;
bad:
	mmr_error_at(err, r->path, off, "%s", why);
	return -1;
}

static int add_event_block(struct mmr_reader *r, uint64_t off, const struct blk_hdr *h)
{
	if (r->nblocks == r->cap_blocks) {
		size_t cap = r->cap_blocks ? 2 * r->cap_blocks : 16;
		struct rblock *b = realloc(r->blocks, cap * sizeof(*b));
		if (!b)
			return -1;
		r->blocks = b;
		r->cap_blocks = cap;
	}
	r->blocks[r->nblocks++] = (struct rblock){
		.info = {off, h->count, h->first_ts, h->last_ts, h->raw_size, h->stored_size},
		.h = *h,
		.part = r->part,
	};
	r->nevents += h->count;
	return 0;
}

static const char *load_lost(struct mmr_reader *r, const struct blk_hdr *h)
{
	if (h->count != r->meta.pub.nr_cpus)
		return "lost-event block does not match the header's cpu count";
	/* A part's counts add to those of the parts before it; a file's own replace any earlier block's. */
	if (!r->meta.lost || !r->part) {
		free(r->meta.lost);
		r->meta.lost = calloc(h->count ? h->count : 1, sizeof(uint64_t));
		if (!r->meta.lost)
			return "out of memory";
	}
	struct tcur c = {r->raw.p, r->raw.p + r->raw.len, false};
	for (uint64_t i = 0; i < h->count; i++)
		r->meta.lost[i] += tcur_varint(&c);
	if (c.bad || c.p != c.end)
		return "lost-event block is malformed";
	r->meta.pub.lost = r->meta.lost;
	r->parts[r->part].lost_known = true;
	return NULL;
}

/* Take in a verified block found at OFF: remember events, load names and lost counts. */
static int accept_block(struct mmr_reader *r, uint64_t off, const struct blk_hdr *h,
			struct mmr_error *err)
{
	const char *why = NULL;
	if (h->type == BLK_EVENTS)
		why = add_event_block(r, off, h) ? "out of memory" : NULL;
	else if (h->type == BLK_STRINGS)
		why = strtab_decode(&r->names, r->raw.p, r->raw.len, h->count);
	else if (h->type == BLK_LOST)
		why = load_lost(r, h);
	if (why)
		mmr_error_at(err, r->path, off, "%s", why);
	return why ? -1 : 0;
}

/* ---- opening ------------------------------------------------------- */

static int read_header(struct mmr_reader *r, uint8_t *hdr, struct mmr_error *err)
{
	if (r->size < HDR_SIZE) {
		if (r->size == 0)
			mmr_error_at(err, r->path, 0, "empty file, not a trace");
		else
			mmr_error_at(err, r->path, 0, "file too short for a trace header (%llu bytes)",
				  (unsigned long long)r->size);
		return -1;
	}
	if (read_at(r, hdr, HDR_SIZE, 0, err))
		return -1;
	if (memcmp(hdr, TRACE_MAGIC, 8) != 0) {
		mmr_error_at(err, r->path, 0, "not an mmreplay trace (bad magic)");
		return -1;
	}
	unsigned major = le16_get(hdr + HDR_OFF_MAJOR), minor = le16_get(hdr + HDR_OFF_MINOR);
	if (major != TRACE_VERSION_MAJOR) {
		mmr_error_at(err, r->path, HDR_OFF_MAJOR,
			  "unsupported format version %u.%u (this build reads %u.x)", major, minor,
			  TRACE_VERSION_MAJOR);
		return -1;
	}
	uint32_t state = le32_get(hdr + HDR_OFF_STATE);
	if (state != HDR_STATE_WRITING && state != HDR_STATE_COMPLETE) {
		mmr_error_at(err, r->path, HDR_OFF_STATE, "bad header state %u (corrupt)", state);
		return -1;
	}
	return 0;
}

/*
 * A part after the first must come from the same capture as the first:
 * the same machine (CPUs, kernel) and clock.  Returns NULL, or why not.
 */
static const char *same_capture(const struct mmr_meta *a, const struct mmr_meta *b)
{
	if (a->nr_cpus != b->nr_cpus)
		return "its CPU count differs from the first part's: not a part of the same capture";
	if (strcmp(a->clock, b->clock) != 0 || strcmp(a->kernel_release, b->kernel_release) != 0)
		return "its clock or kernel differs from the first part's: not a part of the same capture";
	return NULL;
}

static int read_meta(struct mmr_reader *r, const uint8_t *hdr, struct mmr_error *err)
{
	uint32_t len = le32_get(hdr + HDR_OFF_META_LEN);
	if (len > META_MAX_LEN || len > r->size - HDR_SIZE) {
		mmr_error_at(err, r->path, HDR_OFF_META_LEN,
			  "metadata length %u runs past the end of the file (truncated or corrupt)",
			  len);
		return -1;
	}
	uint8_t *meta = malloc(len ? len : 1);
	if (!meta) {
		mmr_error_at(err, r->path, HDR_SIZE, "out of memory");
		return -1;
	}
	/* The first part's metadata is the trace's; a later part's is only checked against it. */
	struct meta_owned later = {0}, *m = r->part ? &later : &r->meta;
	int rc = read_at(r, meta, len, HDR_SIZE, err);
	if (!rc) {
		const char *why = hdr_checksum(hdr, meta, len) != le64_get(hdr + HDR_OFF_META_SUM)
			? "header checksum mismatch (corrupt)"
			: meta_decode(m, meta, len);
		if (!why && r->part)
			why = same_capture(&r->meta.pub, &later.pub);
		if (why) {
			mmr_error_at(err, r->path, HDR_SIZE, "%s", why);
			rc = -1;
		}
	}
	meta_owned_free(&later);
	r->data_start = HDR_SIZE + (uint64_t)len;
	free(meta);
	return rc;
}

/* The index offset from a valid footer, or 0 when there is none. */
static uint64_t find_footer(struct mmr_reader *r)
{
	uint8_t f[FTR_SIZE];
	if (r->size < r->data_start + FTR_SIZE ||
	    read_at(r, f, sizeof(f), r->size - FTR_SIZE, NULL) ||
	    memcmp(f, FTR_MAGIC, 8) != 0 || XXH64(f, 16, 0) != le64_get(f + 16))
		return 0;
	uint64_t off = le64_get(f + 8);
	return off >= r->data_start && off < r->size - FTR_SIZE ? off : 0;
}

struct index_entry {
	uint8_t type;
	uint64_t offset, count, first_ts, last_ts;
};

static const char *decode_index(struct mmr_reader *r, const struct blk_hdr *h,
				struct index_entry **out)
{
	if (h->count > r->size / BLK_HDR_SIZE)
		return "index lists more blocks than the file can hold";
	struct index_entry *ix = calloc(h->count ? h->count : 1, sizeof(*ix));
	if (!ix)
		return "out of memory";
	struct tcur c = {r->raw.p, r->raw.p + r->raw.len, false};
	uint64_t prev = 0;
	for (uint64_t i = 0; i < h->count; i++) {
		ix[i].type = (uint8_t)tcur_varint(&c);
		ix[i].offset = prev += tcur_varint(&c);
		ix[i].count = tcur_varint(&c);
		ix[i].first_ts = tcur_varint(&c);
		ix[i].last_ts = ix[i].first_ts + tcur_varint(&c);
	}
	*out = ix;
	return c.bad || c.p != c.end ? "index block is malformed" : NULL;
}

/* Walk the blocks the index lists: they must tile [data_start, index_off). */
static int open_indexed(struct mmr_reader *r, uint64_t index_off, struct mmr_error *err)
{
	struct blk_hdr h;
	struct index_entry *ix = NULL;
	uint64_t end = r->size - FTR_SIZE, off = r->data_start;
	if (read_block(r, index_off, end, &h, true, err))
		return -1;
	const char *why = h.type != BLK_INDEX ? "footer does not point at the index"
		: index_off + BLK_HDR_SIZE + h.stored_size != end ? "index does not end at the footer"
		: decode_index(r, &h, &ix);
	if (why) {
		mmr_error_at(err, r->path, index_off, "%s", why);
		goto fail;
	}
	for (uint64_t i = 0; i < h.count; i++) {
		struct blk_hdr bh;
		bool events = ix[i].type == BLK_EVENTS;
		if (ix[i].offset != off) {
			mmr_error_at(err, r->path, off, "index entry %llu points at offset %llu, "
				  "but the previous block ends here", (unsigned long long)i,
				  (unsigned long long)ix[i].offset);
			goto fail;
		}
		if (read_block(r, off, index_off, &bh, !events, err))
			goto fail;
		if (bh.type != ix[i].type || bh.count != ix[i].count ||
		    bh.first_ts != ix[i].first_ts || bh.last_ts != ix[i].last_ts) {
			mmr_error_at(err, r->path, off, "block header disagrees with the index (corrupt)");
			goto fail;
		}
		if (accept_block(r, off, &bh, err))
			goto fail;
		off += BLK_HDR_SIZE + bh.stored_size;
	}
	if (off != index_off) {
		mmr_error_at(err, r->path, off, "%llu bytes between the last block and the index",
			  (unsigned long long)(index_off - off));
		goto fail;
	}
	free(ix);
	return 0;
fail:
	free(ix);
	return -1;
}

/* A killed writer's file: keep every block up to the first incomplete one. */
static int open_recover(struct mmr_reader *r, struct mmr_error *err)
{
	uint64_t off = r->data_start, before = r->nevents;
	struct blk_hdr h;
	struct mmr_error why = {{0}};
	size_t blocks = 0;
	while (off < r->size && read_block(r, off, r->size, &h, true, &why) == 0) {
		if (h.type == BLK_INDEX)
			break; /* killed while closing: everything before it is whole */
		if (accept_block(r, off, &h, err))
			return -1;
		off += BLK_HDR_SIZE + h.stored_size;
		blocks++;
	}
	r->discarded += r->size - off;
	/* Why the first discarded block was not read: its line, less the path already said. */
	size_t plen = strlen(r->path);
	const char *reason = strncmp(why.msg, r->path, plen) == 0 && why.msg[plen] == ':' ? why.msg + plen + 2 : why.msg;
	/* Of a directory's parts, the first one cut is the one to say. */
	if (!r->warning[0])
		snprintf(r->warning, sizeof(r->warning),
		 "%s: the writer did not finish; recovered %zu blocks (%llu events), "
		 "%llu bytes from offset %llu on discarded%s%s", r->path, blocks,
		 (unsigned long long)(r->nevents - before), (unsigned long long)(r->size - off),
		 (unsigned long long)off, r->discarded && reason[0] ? ": " : "", r->discarded ? reason : "");
	return 0;
}

/* Point the reader's current-part fields at part I (open or not). */
static void use_part(struct mmr_reader *r, size_t i)
{
	r->part = i;
	r->path = r->parts[i].path;
	r->fd = r->parts[i].fd;
	r->size = r->parts[i].size;
	r->data_start = r->parts[i].data_start;
}

/*
 * Make part I the one read_at and read_block use.  Of a directory's parts
 * only the current one is kept open (a long capture may have more parts
 * than a process may open files).  Returns 0, or -1 (ERR) when it cannot
 * be opened again.
 */
static int select_part(struct mmr_reader *r, size_t i, struct mmr_error *err)
{
	if (r->part != i && r->parts[r->part].fd >= 0 && r->nparts > 1) {
		close(r->parts[r->part].fd);
		r->parts[r->part].fd = -1;
	}
	struct rpart *p = &r->parts[i];
	if (p->fd < 0 && (p->fd = open(p->path, O_RDONLY | O_CLOEXEC)) < 0) {
		mmr_error_at(err, p->path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	use_part(r, i);
	return 0;
}

/* Add PATH as the next part and make it the current one.  Returns 0, or -1 (ERR). */
static int add_part(struct mmr_reader *r, const char *path, struct mmr_error *err)
{
	/* The part before is indexed: it is opened again when read (select_part). */
	if (r->nparts && r->parts[r->part].fd >= 0) {
		close(r->parts[r->part].fd);
		r->parts[r->part].fd = -1;
	}
	struct rpart *p = realloc(r->parts, (r->nparts + 1) * sizeof(*p));
	if (!p) {
		mmr_error_at(err, path, 0, "out of memory");
		return -1;
	}
	r->parts = p;
	p = &r->parts[r->nparts];
	*p = (struct rpart){.path = strdup(path), .fd = -1};
	r->nparts++;
	if (!p->path) {
		mmr_error_at(err, path, 0, "out of memory");
		return -1;
	}
	struct stat st;
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0 || fstat(p->fd, &st)) {
		mmr_error_at(err, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		mmr_error_at(err, path, 0, "not a regular file");
		return -1;
	}
	p->size = (uint64_t)st.st_size;
	use_part(r, r->nparts - 1);
	return 0;
}

/* Open PATH as the next part: its header, metadata and blocks.  Returns 0, or -1 (ERR). */
static int open_file(struct mmr_reader *r, const char *path, struct mmr_error *err)
{
	uint8_t hdr[HDR_SIZE];
	if (add_part(r, path, err) || read_header(r, hdr, err) || read_meta(r, hdr, err))
		return -1;
	r->parts[r->part].data_start = r->data_start;
	uint64_t index_off = find_footer(r);
	if (index_off) {
		if (open_indexed(r, index_off, err))
			return -1;
		/* Whole, but not marked so: detected and said, the events kept. */
		if (le32_get(hdr + HDR_OFF_STATE) == HDR_STATE_WRITING && !r->warning[0])
			snprintf(r->warning, sizeof(r->warning),
				 "%s: offset %d: the header says the writer did not finish, yet the index and "
				 "footer are whole (killed while closing, or a damaged header byte); read as complete",
				 r->path, HDR_OFF_STATE);
	} else if (le32_get(hdr + HDR_OFF_STATE) == HDR_STATE_COMPLETE) {
		mmr_error_at(err, path, r->size, "footer missing or damaged: the file is truncated "
			  "or corrupt at its end");
		return -1;
	} else if (open_recover(r, err)) {
		return -1;
	}
	return 0;
}

/* The number of a part named as capture names them ("000042.mmr"), or -1. */
static long part_number(const char *name)
{
	if (strlen(name) != 10 || strcmp(name + 6, ".mmr") != 0)
		return -1;
	long n = 0;
	for (int i = 0; i < 6; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		n = n * 10 + (name[i] - '0');
	}
	return n;
}

/*
 * Say so (the reader's warning, when it has none yet) when capture's
 * numbered parts skip a number between two that are there: a part removed
 * by hand leaves a gap in the trace that nothing else would show.  Parts
 * --rotate removed come before the first one kept, and are no gap.
 */
static void note_gap(struct mmr_reader *r, const char *dir, struct dirent **names, int n)
{
	for (int i = 1; i < n && !r->warning[0]; i++) {
		long a = part_number(names[i - 1]->d_name), b = part_number(names[i]->d_name);
		if (a >= 0 && b > a + 1)
			snprintf(r->warning, sizeof(r->warning), "%s: part %06ld.mmr is missing between %s and %s: "
				 "the trace has a gap there", dir, a + 1, names[i - 1]->d_name, names[i]->d_name);
	}
}

static int mmr_name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_part_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 4 && d->d_name[0] != '.' && strcmp(d->d_name + n - 4, ".mmr") == 0;
}

/*
 * The parts of a rotated capture (capture --max-size): every .mmr file in
 * DIR, in name order, read as one trace.  A part's events must not start
 * before the previous part's did.  Returns 0, or -1 (ERR).
 */
static int open_dir(struct mmr_reader *r, const char *dir, struct mmr_error *err)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_part_name, mmr_name_order);
	if (n < 0) {
		mmr_error_at(err, dir, 0, "cannot read the directory: %s", strerror(errno));
		return -1;
	}
	int rc = n == 0 ? -1 : 0;
	if (n == 0)
		mmr_error_at(err, dir, 0, "a directory with no .mmr file in it, not a trace");
	uint64_t prev_first = 0;
	for (int i = 0; i < n && !rc; i++) {
		size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
		char *path = malloc(len);
		if (!path) {
			mmr_error_at(err, dir, 0, "out of memory");
			rc = -1;
			break;
		}
		snprintf(path, len, "%s/%s", dir, names[i]->d_name);
		size_t before = r->nblocks;
		rc = open_file(r, path, err);
		free(path);
		if (!rc && r->nblocks > before) {
			uint64_t first = r->blocks[before].info.first_ts_ns;
			if (first < prev_first) {
				mmr_error_at(err, r->path, r->data_start, "its events start before those of the "
					  "part before it: not the next part of the same capture");
				rc = -1;
			}
			prev_first = first;
		}
	}
	if (!rc)
		note_gap(r, dir, names, n);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	/* Lost counts are known for the whole only when every part says its own. */
	for (size_t i = 0; !rc && i < r->nparts; i++)
		if (!r->parts[i].lost_known) {
			free(r->meta.lost);
			r->meta.lost = NULL;
			r->meta.pub.lost = NULL;
		}
	return rc;
}

struct mmr_reader *mmr_reader_open(const char *path, struct mmr_error *err)
{
	struct mmr_reader *r = calloc(1, sizeof(*r));
	struct stat st;
	if (r)
		r->fd = -1;
	if (!r || strtab_init(&r->names)) {
		mmr_error_at(err, path, 0, "out of memory");
		goto fail;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? open_dir(r, path, err) : open_file(r, path, err))
		goto fail;
	return r;
fail:
	mmr_reader_close(r);
	return NULL;
}

/* ---- reading --------------------------------------------------------- */

const struct mmr_meta *mmr_reader_meta(const struct mmr_reader *r)
{
	return &r->meta.pub;
}

size_t mmr_reader_block_count(const struct mmr_reader *r)
{
	return r->nblocks;
}

const struct mmr_block_info *mmr_reader_block(const struct mmr_reader *r, size_t i)
{
	return i < r->nblocks ? &r->blocks[i].info : NULL;
}

uint64_t mmr_reader_event_count(const struct mmr_reader *r)
{
	return r->nevents;
}

int mmr_reader_seek_block(struct mmr_reader *r, size_t i, struct mmr_error *err)
{
	if (i > r->nblocks) {
		mmr_error_at(err, r->path, r->size, "no block %zu: the trace has %zu", i, r->nblocks);
		return -1;
	}
	r->cur = i;
	r->pos = r->n = 0;
	return 0;
}

int mmr_reader_next_block(struct mmr_reader *r, const struct mmr_event **evs, size_t *n,
			  struct mmr_error *err)
{
	if (r->cur >= r->nblocks)
		return 0;
	const struct rblock *b = &r->blocks[r->cur];
	struct blk_hdr h;
	if ((b->part != r->part || r->fd < 0) && select_part(r, b->part, err))
		return -1;
	if (read_block(r, b->info.offset, r->size, &h, true, err))
		return -1;
	const char *why = NULL;
	if (h.type != b->h.type || h.count != b->h.count || h.checksum != b->h.checksum)
		why = "block changed since the trace was opened";
	if (!why && b->info.nr_events > r->cap_evs) {
		free(r->evs);
		r->evs = malloc(b->info.nr_events * sizeof(*r->evs));
		r->cap_evs = r->evs ? b->info.nr_events : 0;
		why = r->evs ? NULL : "out of memory";
	}
	if (!why)
		why = codec_decode(r->raw.p, r->raw.len, b->info.nr_events, r->evs);
	if (why) {
		mmr_error_at(err, r->path, b->info.offset, "corrupt event block: %s", why);
		return -1;
	}
	r->cur++;
	*evs = r->evs;
	*n = b->info.nr_events;
	return 1;
}

int mmr_reader_next(struct mmr_reader *r, struct mmr_event *ev, struct mmr_error *err)
{
	while (r->pos == r->n) {
		const struct mmr_event *evs;
		size_t n;
		int rc = mmr_reader_next_block(r, &evs, &n, err);
		if (rc <= 0)
			return rc;
		r->pos = 0;
		r->n = n;
	}
	*ev = r->evs[r->pos++];
	return 1;
}

const char *mmr_reader_symbol(const struct mmr_reader *r, uint64_t addr)
{
	return strtab_get(&r->names, STR_SYMBOL, addr);
}

const char *mmr_reader_comm(const struct mmr_reader *r, int32_t pid)
{
	return strtab_get(&r->names, STR_COMM, (uint64_t)(uint32_t)pid);
}

uint64_t mmr_reader_discarded(const struct mmr_reader *r)
{
	return r->discarded;
}

const char *mmr_reader_warning(const struct mmr_reader *r)
{
	return r->warning[0] ? r->warning : NULL;
}

void mmr_reader_close(struct mmr_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nparts; i++) {
		if (r->parts[i].fd >= 0)
			close(r->parts[i].fd);
		free(r->parts[i].path);
	}
	free(r->parts);
	meta_owned_free(&r->meta);
	strtab_destroy(&r->names);
	tbuf_free(&r->payload);
	tbuf_free(&r->raw);
	free(r->blocks);
	free(r->evs);
	free(r);
}
