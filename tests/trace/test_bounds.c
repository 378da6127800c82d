/* SPDX-License-Identifier: MIT */
/*
 * test_bounds.c - files whose checksums are right but whose declared
 * counts are not: the reader refuses them before allocating what they
 * declare (a tiny file once made `stats` take 1.3 GB), and says so in one
 * line.  The files are built here with the format's own block framing, as
 * a killed writer leaves them (header, blocks, no footer), so that the
 * reader's recovery walks them block by block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "trace_internal.h"

static char path[256];

/* A header whose metadata says NR_CPUS (a killed writer's: state WRITING), into OUT. */
static void put_header(struct tbuf *out, uint32_t nr_cpus)
{
	struct mmr_meta meta = {.kernel_release = "6.1", .clock = "mono", .source = "test_bounds", .nr_cpus = nr_cpus};
	tbuf_reserve(out, HDR_SIZE);
	memset(out->p, 0, HDR_SIZE);
	memcpy(out->p, TRACE_MAGIC, 8);
	out->len = HDR_SIZE;
	meta_encode(out, &meta);
	le16_put(out->p + HDR_OFF_MAJOR, TRACE_VERSION_MAJOR);
	le16_put(out->p + HDR_OFF_MINOR, TRACE_VERSION_MINOR);
	le32_put(out->p + HDR_OFF_STATE, HDR_STATE_WRITING);
	le32_put(out->p + HDR_OFF_META_LEN, (uint32_t)(out->len - HDR_SIZE));
	le64_put(out->p + HDR_OFF_META_SUM, hdr_checksum(out->p, out->p + HDR_SIZE, out->len - HDR_SIZE));
}

/* A block of TYPE declaring COUNT entries over RAW, framed with a right checksum. */
static void put_block(struct tbuf *out, uint8_t type, uint64_t count, const uint8_t *raw, size_t len)
{
	struct blk_hdr h = {.type = type, .count = count, .first_ts = 1, .last_ts = 2};
	assert_int_equal(blk_frame(out, &h, raw, len, 3, NULL), 0);
}

static void spit(const struct tbuf *b)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* Open PATH and read all its events: 0 when every block read, -1 (ERR) otherwise; *WARN the reader's warning. */
static int read_file(struct mmr_error *err, char *warn, size_t wlen, uint64_t *events)
{
	struct mmr_reader *r = mmr_reader_open(path, err);
	*events = 0;
	if (!r)
		return -1;
	snprintf(warn, wlen, "%s", mmr_reader_warning(r) ? mmr_reader_warning(r) : "");
	const struct mmr_event *evs;
	size_t n;
	int rc;
	while ((rc = mmr_reader_next_block(r, &evs, &n, err)) == 1)
		*events += n;
	mmr_reader_close(r);
	return rc;
}

/* The header's CPU count feeds the LOST block and every per-CPU table: bounded by 8192. */
static void test_nr_cpus_bounded(void **state)
{
	(void)state;
	struct tbuf b = {0};
	/* The writer never writes such a file... */
	struct mmr_meta meta = {.clock = "mono", .source = "t", .nr_cpus = MMR_MAX_CPUS + 1};
	struct mmr_error err = {{0}};
	assert_null(mmr_writer_open(path, &meta, NULL, &err));
	assert_non_null(strstr(err.msg, "8193 CPUs, more than the 8192"));
	/* ... and the reader refuses one. */
	put_header(&b, 1u << 27);
	spit(&b);
	char warn[1024];
	uint64_t n;
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), -1);
	assert_non_null(strstr(err.msg, "nr_cpus above 8192"));
	assert_non_null(strstr(err.msg, path));
	tbuf_free(&b);
}

/*
 * An EVENTS block declaring a million events in 200 bytes: each event
 * takes at least 6 bytes, so the count is refused before the million
 * 80-byte events are allocated.  The same block declaring what its bytes
 * can hold decodes (and fails on the columns, one line).
 */
static void test_event_count_bounded(void **state)
{
	(void)state;
	uint8_t raw[200] = {0};
	struct tbuf b = {0};
	put_header(&b, 4);
	put_block(&b, BLK_EVENTS, 1u << 20, raw, sizeof(raw));
	spit(&b);
	struct mmr_error err = {{0}};
	char warn[1024];
	uint64_t n;
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), 0);
	assert_non_null(strstr(warn, "recovered 0 blocks (0 events)"));
	assert_non_null(strstr(warn, "on discarded: offset "));
	assert_non_null(strstr(warn, ": event block sizes are implausible"));
	b.len = 0;
	put_header(&b, 4);
	put_block(&b, BLK_EVENTS, (sizeof(raw) - EVENTS_HEADER_MIN_RAW) / EVENT_MIN_RAW, raw, sizeof(raw));
	spit(&b);
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), -1);
	assert_non_null(strstr(err.msg, path));
	assert_null(strchr(err.msg, '\n'));
	tbuf_free(&b);
}

/* A zstd block whose header claims more raw bytes than its frame holds: refused before the buffer. */
static void test_zstd_size_checked(void **state)
{
	(void)state;
	char name[4000];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	struct tbuf raw = {0}, b = {0};
	strtab_encode_entry(&raw, STR_SYMBOL, 0x1000, name);
	put_header(&b, 4);
	size_t at = b.len;
	put_block(&b, BLK_STRINGS, 1, raw.p, raw.len);
	/* Claim 512 MB raw and re-seal the checksum (docs/trace-format.md), as a crafted file would. */
	struct blk_hdr h;
	assert_null(blk_parse_hdr(b.p + at, &h));
	assert_int_equal(h.codec, BLK_CODEC_ZSTD);
	le32_put(b.p + at + 8, 1u << 29);
	uint64_t sum = XXH64(b.p + at + BLK_HDR_SIZE, h.stored_size, XXH64(b.p + at, BLK_SUM_COVERS, 0x6d6d72));
	le64_put(b.p + at + BLK_SUM_COVERS, sum);
	spit(&b);
	struct mmr_error err = {{0}};
	char warn[1024];
	uint64_t n;
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), 0);
	assert_non_null(strstr(warn, "recovered 0 blocks"));
	assert_non_null(strstr(warn, ": zstd frame size differs from the block header"));
	/* The same block with its true size is read: the re-sealing above is right. */
	le32_put(b.p + at + 8, (uint32_t)raw.len);
	sum = XXH64(b.p + at + BLK_HDR_SIZE, h.stored_size, XXH64(b.p + at, BLK_SUM_COVERS, 0x6d6d72));
	le64_put(b.p + at + BLK_SUM_COVERS, sum);
	spit(&b);
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), 0);
	assert_non_null(strstr(warn, "recovered 1 blocks"));
	tbuf_free(&b);
	tbuf_free(&raw);
}

/* A pid delta near 2^63 in an event column is an error, not a signed overflow. */
static void test_pid_delta_bounded(void **state)
{
	(void)state;
	struct tbuf raw = {0}, b = {0};
	struct mmr_event e = {.ts_ns = 5, .cpu = 1, .pid = 7, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC,
			      .id = 0x40, .node = -1};
	struct codec_state *cs = codec_new();
	assert_non_null(cs);
	assert_int_equal(codec_encode(cs, &e, 1, &raw), 0);
	codec_free(cs);
	/* The pid column is the 4th: count, 15 lengths, then kind (1), ts (1), cpu (1), pid. */
	size_t pid_at = 16 + 3;
	assert_int_equal(raw.p[pid_at], 14); /* zigzag(7) */
	uint8_t big[10] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}; /* zigzag(INT64_MAX) */
	struct tbuf fixed = {0};
	tbuf_put(&fixed, raw.p, 4);
	tbuf_put_varint(&fixed, raw.p[4] + 9); /* the pid column's length grows by 9 bytes */
	tbuf_put(&fixed, raw.p + 5, pid_at - 5);
	tbuf_put(&fixed, big, sizeof(big));
	tbuf_put(&fixed, raw.p + pid_at + 1, raw.len - pid_at - 1);
	put_header(&b, 4);
	put_block(&b, BLK_EVENTS, 1, fixed.p, fixed.len);
	spit(&b);
	struct mmr_error err = {{0}};
	char warn[1024];
	uint64_t n;
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), -1);
	assert_non_null(strstr(err.msg, "pid out of range"));
	tbuf_free(&raw);
	tbuf_free(&b);
	tbuf_free(&fixed);
}

/*
 * A whole file whose state byte says "still writing" (one byte from
 * COMPLETE, not covered by the header checksum since close rewrites it):
 * read as complete, with a warning naming the byte.
 */
static void test_state_byte_detected(void **state)
{
	(void)state;
	struct mmr_meta meta = {.clock = "mono", .source = "t", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	struct mmr_event e = {.ts_ns = 1, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC, .id = 0x40, .node = -1};
	assert_int_equal(mmr_writer_write(w, &e, &err), 0);
	assert_int_equal(mmr_writer_close(w, &err), 0);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, HDR_OFF_STATE, SEEK_SET), 0);
	assert_int_equal(fputc(HDR_STATE_WRITING, f), HDR_STATE_WRITING);
	assert_int_equal(fclose(f), 0);
	char warn[1024];
	uint64_t n;
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(warn, "offset 12: the header says the writer did not finish, yet the index"));
}

/*
 * A write that fails (here past a file size limit, as a full disk would)
 * breaks the writer for good: the file is cut back to its last whole
 * block, every later call fails with that first error, and the close adds
 * nothing even though writes would work again, so no index goes over a
 * broken block: the reader recovers every whole block.
 */
static void test_writer_broken_after_failed_write(void **state)
{
	(void)state;
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	struct mmr_meta meta = {.clock = "mono", .source = "t", .nr_cpus = 1};
	struct mmr_writer_opts opts = {.block_events = 4};
	struct mmr_error err = {{0}}, first;
	struct mmr_writer *w = mmr_writer_open(path, &meta, &opts, &err);
	assert_non_null(w);
	lim = old;
	lim.rlim_cur = mmr_writer_bytes(w) + 300; /* room for a few 4-event blocks, not for 40 */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = 0, written = 0;
	for (int i = 0; i < 400 && rc == 0; i++, written++) {
		struct mmr_event e = {.ts_ns = (uint64_t)i * 977, .cpu = (uint32_t)i % 3, .family = MMR_FAM_SLAB,
				      .op = MMR_OP_ALLOC, .id = 0x40 + (uint64_t)i * 4093, .bytes_req = (uint64_t)i, .node = -1};
		rc = mmr_writer_write(w, &e, &err);
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0); /* writes would work again */
	assert_int_equal(rc, -1);
	first = err;
	assert_non_null(strstr(first.msg, "write failed: File too large"));
	struct mmr_event e = {.ts_ns = 1, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC, .id = 0x40, .node = -1};
	memset(&err, 0, sizeof(err));
	assert_int_equal(mmr_writer_write(w, &e, &err), -1);
	assert_string_equal(err.msg, first.msg);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mmr_writer_close(w, &err), -1);
	assert_string_equal(err.msg, first.msg);
	signal(SIGXFSZ, SIG_DFL);
	char warn[1024];
	uint64_t n;
	assert_int_equal(read_file(&err, warn, sizeof(warn), &n), 0);
	assert_true(n > 0 && n % 4 == 0 && n < (uint64_t)written);
	assert_non_null(strstr(warn, "the writer did not finish"));
	assert_non_null(strstr(warn, " 0 bytes from offset")); /* nothing after the last whole block */
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/test_bounds.%d.mmr", P_tmpdir, (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nr_cpus_bounded),
		cmocka_unit_test(test_event_count_bounded),
		cmocka_unit_test(test_zstd_size_checked),
		cmocka_unit_test(test_pid_delta_bounded),
		cmocka_unit_test(test_state_byte_detected),
		cmocka_unit_test(test_writer_broken_after_failed_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
