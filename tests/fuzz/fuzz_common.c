/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.c - the helpers every fuzz target shares (fuzz_common.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <xxhash.h>

#include "fuzz_common.h"
#include "mmr_stats.h"
#include "trace_internal.h"

_Noreturn void fz_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz harness: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	_exit(99);
}

_Noreturn void fz_finding(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz finding: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ---- scratch files ------------------------------------------------------ */

static char scratch[256];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void fz_remove(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_scratch(void)
{
	if (scratch[0])
		fz_remove(scratch);
}

static const char *scratch_dir(void)
{
	if (scratch[0])
		return scratch;
	/* tmpfs when there is one: the targets write a file or two per input. */
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(scratch, sizeof(scratch), "%s/mmr-fuzz-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(scratch))
		fz_fatal("cannot make a scratch directory %s: %s", scratch, strerror(errno));
	atexit(remove_scratch);
	return scratch;
}

const char *fz_path(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", scratch_dir(), name) >= len)
		fz_fatal("path of %s too long", name);
	return buf;
}

void fz_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fz_fatal("cannot create %s: %s", path, strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t k = write(fd, (const char *)data + off, len - off);
		if (k <= 0)
			fz_fatal("cannot write %s: %s", path, strerror(errno));
		off += (size_t)k;
	}
	close(fd);
}

FILE *fz_null(void)
{
	static FILE *f;
	if (!f && !(f = fopen("/dev/null", "w")))
		fz_fatal("cannot open /dev/null: %s", strerror(errno));
	return f;
}

void fz_save(const char *path)
{
	const char *to = getenv("MMR_FUZZ_SAVE");
	if (!to || !*to)
		return;
	FILE *in = fopen(path, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t k;
	while (in && out && (k = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, k, out);
	if (!in || !out || fclose(out) != 0)
		fz_fatal("cannot copy %s to %s", path, to);
	fclose(in);
	fprintf(stderr, "fuzz harness: saved %s as %s\n", path, to);
}

/* ---- .mmr checksums ----------------------------------------------------- */

/*
 * The sums as the writer computes them (meta.c, block.c, writer.c); the
 * layout is docs/trace-format.md's.  Blocks are found by their stored size
 * only, as a mutated file's index cannot be trusted to find them.
 */
bool fz_mmr_fix_sums(uint8_t *buf, size_t len)
{
	bool changed = false;
	if (len < HDR_SIZE)
		return false;
	uint64_t meta_len = le32_get(buf + HDR_OFF_META_LEN), off = HDR_SIZE + meta_len;
	if (len >= FTR_SIZE + HDR_SIZE) {
		uint8_t *f = buf + len - FTR_SIZE;
		uint64_t sum = XXH64(f, 16, 0);
		changed |= le64_get(f + 16) != sum;
		le64_put(f + 16, sum);
	}
	if (off <= len) {
		uint64_t sum = hdr_checksum(buf, buf + HDR_SIZE, meta_len);
		changed |= le64_get(buf + HDR_OFF_META_SUM) != sum;
		le64_put(buf + HDR_OFF_META_SUM, sum);
	}
	while (off + BLK_HDR_SIZE <= len) {
		uint8_t *h = buf + off;
		uint64_t stored = le32_get(h + 12);
		if (off + BLK_HDR_SIZE + stored > len)
			break;
		uint64_t sum = XXH64(h + BLK_HDR_SIZE, stored, XXH64(h, BLK_SUM_COVERS, 0x6d6d72));
		changed |= le64_get(h + 40) != sum;
		le64_put(h + 40, sum);
		off += BLK_HDR_SIZE + stored;
	}
	return changed;
}

/* ---- reading a trace back ----------------------------------------------- */

/*
 * Every block in turn, and the names its events point at; checks the event
 * count when all decode.  Returns the events, or -1 when a block is refused.
 */
static int64_t walk_blocks(struct mmr_reader *r)
{
	struct mmr_error err;
	const struct mmr_event *evs;
	size_t n, blocks = mmr_reader_block_count(r);
	uint64_t total = 0;
	int rc = 0;
	for (size_t b = 0; b < blocks; b++)
		(void)mmr_reader_block(r, b);
	if (mmr_reader_seek_block(r, 0, &err))
		fz_finding("seek to block 0 refused: %s", err.msg);
	while ((rc = mmr_reader_next_block(r, &evs, &n, &err)) == 1) {
		total += n;
		for (size_t i = 0; i < n; i++) {
			(void)mmr_reader_symbol(r, evs[i].call_site);
			(void)mmr_reader_comm(r, evs[i].pid);
			(void)mmr_event_check(&evs[i]);
		}
	}
	if (rc == 0 && total != mmr_reader_event_count(r))
		fz_finding("blocks decoded to %llu events, the index says %llu", (unsigned long long)total,
			   (unsigned long long)mmr_reader_event_count(r));
	/* The last block again, as a replay's -n or a second pass seeks. */
	if (blocks && mmr_reader_seek_block(r, blocks - 1, &err) == 0)
		(void)mmr_reader_next_block(r, &evs, &n, &err);
	return rc == 0 ? (int64_t)total : -1;
}

int64_t fz_consume_trace(const char *path, bool must_open)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r) {
		if (must_open)
			fz_finding("the writer's own file is refused: %s", err.msg);
		return -1;
	}
	const struct mmr_meta *m = mmr_reader_meta(r);
	(void)mmr_reader_warning(r);
	(void)mmr_reader_discarded(r);
	if (m->lost)
		for (uint32_t c = 0; c < m->nr_cpus; c++)
			(void)m->lost[c];
	int64_t events = walk_blocks(r);
	if (events < 0 && must_open)
		fz_finding("a block of the writer's own file is refused");
	struct mmr_stats *s = mmr_stats_from_reader(r, &err);
	if (s) {
		char *json = mmr_stats_json(s, r);
		cJSON *doc = json ? cJSON_Parse(json) : NULL;
		if (json && !doc)
			fz_finding("stats JSON does not parse: %.200s", json);
		cJSON_Delete(doc);
		free(json);
		mmr_stats_print(s, r, fz_null());
		mmr_stats_free(s);
	}
	mmr_reader_close(r);
	return events;
}

void fz_import(const uint8_t *data, size_t size, const char *name, fz_importer import)
{
	char in[512], out[512];
	struct mmr_import_summary sum = {0};
	struct mmr_error err;
	fz_write_file(fz_path(in, sizeof(in), name), data, size);
	fz_path(out, sizeof(out), "out.mmr");
	if (import(in, out, &sum, &err) == 0) {
		fz_save(out);
		int64_t events = fz_consume_trace(out, true);
		if (events != (int64_t)sum.events)
			fz_finding("the import says it wrote %llu events, its trace holds %lld",
				   (unsigned long long)sum.events, (long long)events);
	} else if (access(out, F_OK) == 0) {
		fz_finding("a failed import left its output: %s", err.msg);
	}
	fz_remove(out);
}

/* ---- fuzz bytes as events ----------------------------------------------- */

uint8_t fz_u8(struct fz_cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

/* BYTES little-endian bytes (zeros past the end). */
static uint64_t fz_le(struct fz_cursor *c, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(c) << (8 * i);
	return v;
}

uint64_t fz_u64(struct fz_cursor *c)
{
	return fz_le(c, 8);
}

static uint32_t fz_u32(struct fz_cursor *c)
{
	return (uint32_t)fz_le(c, 4);
}

/*
 * The tables.  Ids: a few per kind of object (small numbers, pfns, kernel
 * pointers, the ends of the range), so that allocations, frees, maps and
 * releases of one object meet.  Sizes: the edges of every size class and
 * of the valid range (MMR_MAX_BYTES), and past it.
 */
#define ID_RAW 15
#define ID_PREV 13
#define ID_PREV_AUX 14
static const uint64_t ids[13] = {
	1, 2, 3, 0x1000, 0x2000, 0x3000, 0xffff888000000040ull, 0xffff888000000080ull,
	0, UINT64_MAX, 0x80000, 0x80200, INT64_MAX,
};

#define SIZE_RAW 31
static const uint64_t sizes[31] = {
	0, 1, 2, 3, 7, 8, 9, 16, 24, 64, 100, 192, 256, 1000, 2048, 4095, 4096, 4097, 8192, 12288,
	65536, 131072, 1u << 20, 1u << 21, 4u << 20, 1u << 30, MMR_MAX_BYTES - 1, MMR_MAX_BYTES,
	MMR_MAX_BYTES + 1, 1ull << 63, UINT64_MAX,
};

static uint64_t decode_aux(struct fz_cursor *c, unsigned sel, const struct mmr_event *prev, uint64_t id)
{
	switch (sel) {
	case 0: return 0;
	case 7: return id; /* a realloc of itself */
	case 8: return 1ull << (fz_u8(c) & 63); /* alignments, valid and past 2^40 */
	case 9: return 3; /* an alignment that is no power of two */
	case 10: return 4096;
	case 11: return prev->aux;
	case 12: return MMR_MAX_BYTES * 2;
	case 13: return fz_u8(c); /* counts: rcu_reclaim objects, purged areas */
	case 14: return UINT64_MAX;
	case 15: return fz_u64(c);
	default: return ids[sel - 1]; /* 1..6: the small ids, for realloc's old object and attachments */
	}
}

static uint64_t decode_alloc(struct fz_cursor *c, unsigned rel, uint64_t req)
{
	switch (rel) {
	case 0: return req;
	case 1: return 0;
	case 2: return req > (1ull << 63) ? UINT64_MAX : req <= 1 ? req : 1ull << (64 - __builtin_clzll(req - 1));
	case 3: return req + 1;
	case 4: return req / 2;
	case 5: return req * 2;
	case 6: {
		unsigned s = fz_u8(c) % SIZE_RAW;
		return sizes[s];
	}
	default: return fz_u64(c);
	}
}

static uint64_t decode_ts(struct fz_cursor *c, uint64_t ts)
{
	uint8_t k = fz_u8(c);
	if (k < 0xf0)
		return ts + (uint64_t)k * k;
	switch (k) {
	case 0xf0: return fz_u64(c);
	case 0xf1: return ts + 1000000000ull;
	case 0xf2: return ts + 3600000000000ull;
	case 0xf3: return ts > 1000 ? ts - 1000 : 0; /* backwards: captures merge CPUs imperfectly */
	case 0xf4: return 0;
	case 0xf5: return UINT64_MAX - fz_u8(c);
	default: return ts + fz_u32(c);
	}
}

/* The valid ops of each family, from the library's own rule (mmr_event_check), once. */
static uint8_t valid_ops[MMR_FAM_COUNT][MMR_OP_COUNT], nvalid[MMR_FAM_COUNT];

static void init_valid_ops(void)
{
	if (nvalid[0])
		return;
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		for (unsigned o = 0; o < MMR_OP_COUNT; o++) {
			struct mmr_event e = {.family = (uint8_t)f, .op = (uint8_t)o, .node = -1};
			if (mmr_event_check(&e) != MMR_INVALID_OP)
				valid_ops[f][nvalid[f]++] = (uint8_t)o;
		}
}

/* Family and op: mostly the engine's families and each family's own ops. */
static void decode_kind(struct fz_cursor *c, const struct fz_evstate *st, struct mmr_event *ev)
{
	uint8_t k0 = fz_u8(c), k1 = fz_u8(c);
	unsigned sel = k0 & 15, f = sel % MMR_FAM_COUNT;
	uint32_t fams = st->families & ((1u << MMR_FAM_COUNT) - 1);
	if (!(k0 & 0x10) && fams) {
		unsigned want = sel % (unsigned)__builtin_popcount(fams);
		for (f = 0; !(fams & (1u << f)) || want--; f++)
			;
	}
	init_valid_ops();
	ev->family = (uint8_t)f;
	ev->op = k0 & 0x20 ? (uint8_t)(k1 % MMR_OP_COUNT) : valid_ops[f][k1 % nvalid[f]];
}

bool fz_decode_event(struct fz_cursor *c, struct fz_evstate *st, struct mmr_event *ev)
{
	if (!c->n)
		return false;
	const struct mmr_event *prev = &st->prev;
	*ev = (struct mmr_event){0};
	decode_kind(c, st, ev);
	uint8_t k2 = fz_u8(c), k3 = fz_u8(c), k4 = fz_u8(c), k5 = fz_u8(c), k6 = fz_u8(c);
	unsigned idsel = k2 & 15;
	ev->id = idsel == ID_RAW ? fz_u64(c) : idsel == ID_PREV ? prev->id : idsel == ID_PREV_AUX ? prev->aux : ids[idsel];
	ev->aux = decode_aux(c, k2 >> 4, prev, ev->id);
	ev->bytes_req = (k3 & 31) == SIZE_RAW ? fz_u64(c) : sizes[k3 & 31];
	ev->bytes_alloc = decode_alloc(c, k3 >> 5, ev->bytes_req);
	ev->order = k4 == 0xff ? fz_u8(c) : (uint8_t)(k4 % (MMR_MAX_ORDER + 3));
	static const uint32_t cpus[6] = {0, 1, 2, 3, MMR_MAX_CPUS - 1, MMR_MAX_CPUS};
	unsigned cs = k5 & 7, ns = (k5 >> 3) & 7, ps = k5 >> 6;
	ev->cpu = cs < 6 ? cpus[cs] : cs == 6 ? fz_u32(c) : prev->cpu;
	static const int32_t nodes[8] = {-1, 0, 1, MMR_MAX_NODES - 1, MMR_MAX_NODES, -2, 0, INT32_MIN};
	ev->node = ns == 6 ? (int32_t)fz_u32(c) : nodes[ns];
	static const int32_t pids[3] = {0, 1, 4242};
	ev->pid = ps == 3 ? (int32_t)fz_u32(c) : pids[ps];
	ev->flags = k6 & 0x7f;
	if (k6 & 0x80)
		ev->flags |= (uint16_t)fz_le(c, 2); /* unknown flag bits too */
	ev->ts_ns = decode_ts(c, prev->ts_ns);
	uint8_t k8 = fz_u8(c);
	static const uint32_t gfps[3] = {0, 0xcc0, 0x820};
	ev->gfp = (k8 & 3) == 3 ? fz_u32(c) : gfps[k8 & 3];
	unsigned ss = (k8 >> 2) & 3;
	ev->call_site = ss == 0 ? 0 : ss == 1 ? 0xffffffff81000000ull + 16 * (k8 >> 4) : ss == 2 ? fz_u64(c) : prev->call_site;
	st->prev = *ev;
	return true;
}

size_t fz_write_events(const char *path, const struct mmr_event *ev, size_t n, const struct mmr_writer_opts *opts)
{
	uint32_t max_cpu = 0;
	for (size_t i = 0; i < n; i++)
		max_cpu = ev[i].cpu > max_cpu ? ev[i].cpu : max_cpu;
	if (!n)
		return 0;
	struct mmr_meta meta = {.clock = "fuzz", .source = "fuzz", .nr_cpus = max_cpu < MMR_MAX_CPUS ? max_cpu + 1 : MMR_MAX_CPUS};
	struct mmr_error err;
	struct mmr_writer *w = mmr_writer_open(path, &meta, opts, &err);
	if (!w)
		fz_fatal("%s", err.msg);
	for (size_t i = 0; i < n; i++)
		if (mmr_writer_write(w, &ev[i], &err))
			fz_finding("the writer refused event %zu: %s", i, err.msg);
	if (mmr_writer_close(w, &err))
		fz_fatal("%s", err.msg);
	return n;
}

static void put_le(FILE *f, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		fputc((int)(v >> (8 * i)) & 0xff, f);
}

int fz_encode_event(FILE *f, const struct mmr_event *ev)
{
	/* Raw family and op; raw id, aux, size, bytes_alloc, cpu, node, pid, timestamp, gfp and site. */
	fputc(0x30 | ev->family, f);
	fputc(ev->op, f);
	fputc(0xf0 | ID_RAW, f);
	fputc(7 << 5 | SIZE_RAW, f);
	fputc(ev->order <= MMR_MAX_ORDER + 2 ? ev->order : 0xff, f);
	fputc(3 << 6 | 6 << 3 | 6, f);
	fputc((ev->flags & 0x7f) | (ev->flags > 0x7f ? 0x80 : 0), f);
	put_le(f, ev->id, 8);
	put_le(f, ev->aux, 8);
	put_le(f, ev->bytes_req, 8);
	put_le(f, ev->bytes_alloc, 8);
	if (ev->order > MMR_MAX_ORDER + 2)
		fputc(ev->order, f);
	put_le(f, ev->cpu, 4);
	put_le(f, (uint32_t)ev->node, 4);
	put_le(f, (uint32_t)ev->pid, 4);
	if (ev->flags > 0x7f)
		put_le(f, ev->flags, 2);
	fputc(0xf0, f);
	put_le(f, ev->ts_ns, 8);
	fputc(3 | 2 << 2, f);
	put_le(f, ev->gfp, 4);
	put_le(f, ev->call_site, 8);
	return ferror(f) ? -1 : 0;
}
