/* SPDX-License-Identifier: MIT */
/*
 * test_format.c - the .mmr format: every field round-trips, every damaged
 * byte and every truncation is an error naming file and offset, and a
 * killed writer's file is recovered up to its last complete block.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_trace.h"
#include "trace_internal.h"

#define BLOCK 100

static char dir[] = "/tmp/mmr-test-format-XXXXXX";

static char *tmp_path(const char *name)
{
	static char buf[8][256];
	static int slot;
	char *p = buf[slot++ % 8];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static uint64_t rng_state = 0x1234567;

static uint64_t rnd(void)
{
	/* splitmix64: the test data must not depend on libc's rand(). */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Events exercising every field, extreme values included. */
static void make_events(struct mmr_event *ev, size_t n)
{
	uint64_t ts = 1000;
	for (size_t i = 0; i < n; i++) {
		struct mmr_event *e = &ev[i];
		memset(e, 0, sizeof(*e));
		ts += rnd() % 5000;
		e->ts_ns = (i % 17 == 3) ? ts - 700 : ts; /* some out of order */
		e->family = (uint8_t)(rnd() % MMR_FAM_COUNT);
		e->op = (uint8_t)(rnd() % MMR_OP_COUNT);
		/* Reuse earlier ids often, so back-references are exercised. */
		e->id = (i > 10 && rnd() % 2) ? ev[i - 1 - rnd() % 10].id : rnd();
		if (i % 50 == 7)
			e->id = UINT64_MAX;
		e->aux = rnd() % 3 ? 0 : rnd();
		e->bytes_req = rnd() % 4 ? rnd() % 9000 : rnd();
		e->bytes_alloc = rnd() % 3 ? e->bytes_req : rnd();
		e->call_site = rnd() % 4 ? 0xffffffff81000000ull + rnd() % 64 * 0x40 : 0;
		e->gfp = (uint32_t)(rnd() % 2 ? 0xcc0 : rnd());
		e->pid = (int32_t)(rnd() % 5 ? rnd() % 4000 : rnd());
		e->cpu = (uint32_t)(rnd() % 9 ? rnd() % 8 : rnd());
		e->node = (int32_t)(rnd() % 3 ? -1 : (int32_t)rnd());
		e->flags = (uint16_t)(rnd() % 2 ? 0 : rnd());
		e->order = (uint8_t)(rnd() % 3 ? 0 : rnd());
	}
}

static const struct mmr_meta test_meta = {
	.kernel_release = "6.1.0-test",
	.clock = "mono",
	.source = "test_format",
	.nr_cpus = 4,
	.start_realtime_ns = 1764000000123456789ull,
};

/* Write N events in blocks of BLOCK, with names and lost counts. */
static void write_trace(const char *path, const struct mmr_event *ev, size_t n)
{
	struct mmr_error err;
	struct mmr_writer_opts opts = {.block_events = BLOCK};
	struct mmr_writer *w = mmr_writer_open(path, &test_meta, &opts, &err);
	assert_non_null(w);
	assert_int_equal(mmr_writer_add_symbol(w, 0xffffffff81000040ull, "kmalloc_trace+0x10", &err), 0);
	assert_int_equal(mmr_writer_add_comm(w, 42, "kworker/0:1", &err), 0);
	for (size_t i = 0; i < n; i++) {
		if (i == n / 2)
			assert_int_equal(mmr_writer_add_comm(w, -7, "late-comm", &err), 0);
		assert_int_equal(mmr_writer_write(w, &ev[i], &err), 0);
	}
	for (uint32_t c = 0; c < test_meta.nr_cpus; c++)
		assert_int_equal(mmr_writer_set_lost(w, c, c * 1000 + 1, &err), 0);
	assert_int_equal(mmr_writer_events(w), n);
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static void assert_event_equal(const struct mmr_event *a, const struct mmr_event *b)
{
	assert_int_equal(a->ts_ns, b->ts_ns);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->aux, b->aux);
	assert_int_equal(a->bytes_req, b->bytes_req);
	assert_int_equal(a->bytes_alloc, b->bytes_alloc);
	assert_int_equal(a->call_site, b->call_site);
	assert_int_equal(a->gfp, b->gfp);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->cpu, b->cpu);
	assert_int_equal(a->node, b->node);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->order, b->order);
}

/* Read every event of PATH; returns how many matched EV, or -1 on error (ERR). */
static long read_all(const char *path, const struct mmr_event *ev, size_t n,
		     struct mmr_error *err, char *warning, size_t wlen)
{
	struct mmr_reader *r = mmr_reader_open(path, err);
	if (!r)
		return -1;
	if (warning)
		snprintf(warning, wlen, "%s", mmr_reader_warning(r) ? mmr_reader_warning(r) : "");
	struct mmr_event e;
	long got = 0;
	int rc;
	while ((rc = mmr_reader_next(r, &e, err)) == 1) {
		assert_true((size_t)got < n);
		assert_event_equal(&e, &ev[got]);
		got++;
	}
	mmr_reader_close(r);
	return rc < 0 ? -1 : got;
}

static void test_round_trip(void **state)
{
	(void)state;
	size_t n = 1234;
	struct mmr_event *ev = malloc(n * sizeof(*ev));
	struct mmr_error err;
	make_events(ev, n);
	write_trace(tmp_path("rt.mmr"), ev, n);

	struct mmr_reader *r = mmr_reader_open(tmp_path("rt.mmr"), &err);
	assert_non_null(r);
	assert_null(mmr_reader_warning(r));
	const struct mmr_meta *m = mmr_reader_meta(r);
	assert_string_equal(m->kernel_release, "6.1.0-test");
	assert_string_equal(m->clock, "mono");
	assert_string_equal(m->source, "test_format");
	assert_string_equal(m->tool_version, mmr_tool_version());
	assert_int_equal(m->nr_cpus, 4);
	assert_int_equal(m->start_realtime_ns, 1764000000123456789ull);
	assert_non_null(m->lost);
	for (uint32_t c = 0; c < 4; c++)
		assert_int_equal(m->lost[c], c * 1000 + 1);
	assert_string_equal(mmr_reader_symbol(r, 0xffffffff81000040ull), "kmalloc_trace+0x10");
	assert_null(mmr_reader_symbol(r, 0xffffffff81000080ull));
	assert_string_equal(mmr_reader_comm(r, 42), "kworker/0:1");
	assert_string_equal(mmr_reader_comm(r, -7), "late-comm");
	assert_int_equal(mmr_reader_event_count(r), n);
	assert_int_equal(mmr_reader_block_count(r), (n + BLOCK - 1) / BLOCK);
	for (size_t b = 0; b < mmr_reader_block_count(r); b++) {
		const struct mmr_block_info *bi = mmr_reader_block(r, b);
		assert_int_equal(bi->nr_events, b + 1 < mmr_reader_block_count(r) ? BLOCK : n % BLOCK);
		assert_true(bi->first_ts_ns <= bi->last_ts_ns);
	}
	assert_null(mmr_reader_block(r, mmr_reader_block_count(r)));

	/* Seeking lands on the block asked for. */
	const struct mmr_event *evs;
	size_t got;
	assert_int_equal(mmr_reader_seek_block(r, 7, &err), 0);
	assert_int_equal(mmr_reader_next_block(r, &evs, &got, &err), 1);
	assert_int_equal(got, BLOCK);
	assert_event_equal(&evs[0], &ev[7 * BLOCK]);
	assert_int_equal(mmr_reader_seek_block(r, 999, &err), -1);
	assert_non_null(strstr(err.msg, "no block 999"));
	mmr_reader_close(r);

	assert_int_equal(read_all(tmp_path("rt.mmr"), ev, n, &err, NULL, 0), (long)n);
	free(ev);
}

/*
 * opts.stored: every block on disk has codec 0 and its payload as raw as
 * its size says (the blocks of write_trace's events compress, so a writer
 * that ignored the option would give codec 1), and the events read back.
 */
static void test_stored_blocks(void **state)
{
	(void)state;
	size_t n = 300;
	struct mmr_event *ev = malloc(n * sizeof(*ev));
	struct mmr_error err;
	make_events(ev, n);
	const char *path = tmp_path("stored.mmr");
	struct mmr_writer *w = mmr_writer_open(path, &test_meta, &(struct mmr_writer_opts){.block_events = 100,
				.stored = true}, &err);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mmr_writer_write(w, &ev[i], &err), 0);
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_reader *r = mmr_reader_open(path, &err);
	assert_non_null(r);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t events = 0;
	for (size_t b = 0; b < mmr_reader_block_count(r); b++) {
		const struct mmr_block_info *bi = mmr_reader_block(r, b);
		uint8_t hdr[BLK_HDR_SIZE];
		assert_int_equal(fseek(f, (long)bi->offset, SEEK_SET), 0);
		assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
		assert_int_equal(hdr[5], BLK_CODEC_RAW);
		assert_int_equal(bi->raw_size, bi->stored_size);
		events += bi->nr_events;
	}
	assert_int_equal(events, n);
	fclose(f);
	mmr_reader_close(r);
	assert_int_equal(read_all(path, ev, n, &err, NULL, 0), (long)n);
	free(ev);
}

/*
 * The writer's block buffer starts small and grows: 5000 events in the
 * default blocks of 65536 make one block, past several growths, and read
 * back equal.
 */
static void test_growing_block(void **state)
{
	(void)state;
	size_t n = 5000;
	struct mmr_event *ev = malloc(n * sizeof(*ev));
	struct mmr_error err;
	make_events(ev, n);
	const char *path = tmp_path("grow.mmr");
	struct mmr_writer *w = mmr_writer_open(path, &test_meta, NULL, &err);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mmr_writer_write(w, &ev[i], &err), 0);
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_reader *r = mmr_reader_open(path, &err);
	assert_non_null(r);
	assert_int_equal(mmr_reader_block_count(r), 1);
	assert_int_equal(mmr_reader_block(r, 0)->nr_events, n);
	mmr_reader_close(r);
	assert_int_equal(read_all(path, ev, n, &err, NULL, 0), (long)n);
	free(ev);
}

static void test_empty_trace(void **state)
{
	(void)state;
	struct mmr_error err;
	struct mmr_writer *w = mmr_writer_open(tmp_path("empty.mmr"), &test_meta, NULL, &err);
	assert_non_null(w);
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_reader *r = mmr_reader_open(tmp_path("empty.mmr"), &err);
	assert_non_null(r);
	struct mmr_event e;
	assert_int_equal(mmr_reader_event_count(r), 0);
	assert_int_equal(mmr_reader_next(r, &e, &err), 0);
	assert_int_equal(mmr_reader_meta(r)->lost[3], 0);
	mmr_reader_close(r);
}

static void test_writer_rejects_bad_event(void **state)
{
	(void)state;
	struct mmr_error err;
	struct mmr_writer *w = mmr_writer_open(tmp_path("bad.mmr"), &test_meta, NULL, &err);
	struct mmr_event e = {.family = MMR_FAM_COUNT, .node = -1};
	assert_int_equal(mmr_writer_write(w, &e, &err), -1);
	assert_non_null(strstr(err.msg, "unknown family"));
	e = (struct mmr_event){.op = MMR_OP_COUNT, .node = -1};
	assert_int_equal(mmr_writer_write(w, &e, &err), -1);
	assert_int_equal(mmr_writer_set_lost(w, 4, 1, &err), -1);
	assert_non_null(strstr(err.msg, "cpu 4"));
	assert_int_equal(mmr_writer_close(w, &err), 0);
	assert_null(mmr_writer_open("/nonexistent-dir/x.mmr", &test_meta, NULL, &err));
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x.mmr: offset 0: cannot create"));
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *p = malloc(*len);
	assert_int_equal(fread(p, 1, *len, f), *len);
	fclose(f);
	return p;
}

static void spit(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
}

/* The error names the file and an offset, on one line. */
static void assert_error_line(const struct mmr_error *err, const char *path)
{
	assert_non_null(strstr(err->msg, path));
	assert_non_null(strstr(err->msg, ": offset "));
	assert_null(strchr(err->msg, '\n'));
}

static void test_every_flipped_byte_is_caught(void **state)
{
	(void)state;
	size_t n = 350, len;
	struct mmr_event ev[350];
	struct mmr_error err;
	make_events(ev, n);
	write_trace(tmp_path("flip-src.mmr"), ev, n);
	uint8_t *orig = slurp(tmp_path("flip-src.mmr"), &len);
	const char *path = tmp_path("flip.mmr");
	for (size_t off = 0; off < len; off++) {
		for (int k = 0; k < 2; k++) {
			orig[off] ^= k ? 0x80 : 0x01;
			spit(path, orig, len);
			orig[off] ^= k ? 0x80 : 0x01;
			memset(&err, 0, sizeof(err));
			long got = read_all(path, ev, n, &err, NULL, 0);
			if (got != -1)
				fail_msg("flip of byte %zu (mask %d) went unnoticed", off, k);
			assert_error_line(&err, path);
		}
	}
	free(orig);
}

/* Where each event block of a good file ends (48 is the block header size). */
static size_t block_ends(const char *path, uint64_t *ends, size_t max)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	assert_non_null(r);
	size_t n = 0;
	for (size_t i = 0; i < mmr_reader_block_count(r) && n < max; i++) {
		const struct mmr_block_info *b = mmr_reader_block(r, i);
		ends[n++] = b->offset + 48 + b->stored_size;
	}
	mmr_reader_close(r);
	return n;
}

static void test_truncation_is_an_error(void **state)
{
	(void)state;
	size_t n = 450, len;
	struct mmr_event ev[450];
	struct mmr_error err;
	make_events(ev, n);
	write_trace(tmp_path("trunc-src.mmr"), ev, n);
	uint8_t *orig = slurp(tmp_path("trunc-src.mmr"), &len);
	const char *path = tmp_path("trunc.mmr");
	uint64_t ends[16];
	assert_int_equal(block_ends(tmp_path("trunc-src.mmr"), ends, 16), 5);
	/* At, just before and just after every block boundary, and everywhere else. */
	for (size_t cut = 0; cut < len; cut++) {
		spit(path, orig, cut);
		memset(&err, 0, sizeof(err));
		assert_int_equal(read_all(path, ev, n, &err, NULL, 0), -1);
		assert_error_line(&err, path);
		if (cut == 0)
			assert_non_null(strstr(err.msg, "empty file"));
	}
	free(orig);
}

/* A file cut at CUT whose header still says WRITING: what a killed writer leaves. */
static void test_killed_writer_truncations_recover(void **state)
{
	(void)state;
	size_t n = 450, len;
	struct mmr_event ev[450];
	struct mmr_error err;
	char warning[640];
	make_events(ev, n);
	write_trace(tmp_path("kill-src.mmr"), ev, n);
	uint8_t *orig = slurp(tmp_path("kill-src.mmr"), &len);
	uint64_t ends[16];
	size_t nb = block_ends(tmp_path("kill-src.mmr"), ends, 16);
	assert_int_equal(nb, 5);
	orig[12] = 1; /* state: WRITING */
	const char *path = tmp_path("kill.mmr");
	size_t data_start = 32 + (orig[16] | orig[17] << 8); /* header + metadata */
	for (size_t cut = data_start; cut < len; cut++) {
		spit(path, orig, cut);
		size_t expect = 0;
		for (size_t b = 0; b < nb; b++)
			if (ends[b] <= cut)
				expect = b + 1 < nb ? (b + 1) * BLOCK : n;
		memset(&err, 0, sizeof(err));
		long got = read_all(path, ev, n, &err, warning, sizeof(warning));
		/* Every block that ended before the cut is back, and nothing else. */
		if (got != (long)expect)
			fail_msg("cut at %zu: recovered %ld events, expected %zu (%s)", cut, got,
				 expect, err.msg);
		assert_non_null(strstr(warning, "recovered"));
	}
	free(orig);
}

static void test_killed_writer_process(void **state)
{
	(void)state;
	size_t n = 550;
	struct mmr_event ev[550];
	const char *path = tmp_path("killed.mmr");
	make_events(ev, n);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mmr_error err;
		struct mmr_writer_opts opts = {.block_events = BLOCK};
		struct mmr_writer *w = mmr_writer_open(path, &test_meta, &opts, &err);
		for (size_t i = 0; w && i < n; i++)
			mmr_writer_write(w, &ev[i], &err);
		raise(SIGKILL); /* 5 blocks on disk, 50 events in memory: those are lost */
		_exit(1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	struct mmr_error err;
	char warning[640];
	assert_int_equal(read_all(path, ev, n, &err, warning, sizeof(warning)), 500);
	assert_non_null(strstr(warning, "recovered 5 blocks (500 events)"));
	struct mmr_reader *r = mmr_reader_open(path, &err);
	assert_null(mmr_reader_meta(r)->lost); /* never written: unknown, not zero */
	mmr_reader_close(r);
}

/*
 * A file of version 1.0 (before the lock family's stacked flag, 1.1) reads
 * as before: the same file with its minor version set back to 0 and its
 * header checksum made again gives the same events.
 */
static void test_minor_zero_reads(void **state)
{
	(void)state;
	size_t len;
	struct mmr_event ev[10], got;
	struct mmr_error err;
	make_events(ev, 10);
	write_trace(tmp_path("v11.mmr"), ev, 10);
	uint8_t *p = slurp(tmp_path("v11.mmr"), &len);
	assert_int_equal(p[HDR_OFF_MINOR], TRACE_VERSION_MINOR);
	assert_true(TRACE_VERSION_MINOR >= 1);
	le16_put(p + HDR_OFF_MINOR, 0);
	uint32_t meta_len = (uint32_t)p[HDR_OFF_META_LEN] | (uint32_t)p[HDR_OFF_META_LEN + 1] << 8 |
			    (uint32_t)p[HDR_OFF_META_LEN + 2] << 16 | (uint32_t)p[HDR_OFF_META_LEN + 3] << 24;
	le64_put(p + HDR_OFF_META_SUM, hdr_checksum(p, p + HDR_SIZE, meta_len));
	spit(tmp_path("v10.mmr"), p, len);
	free(p);
	struct mmr_reader *r = mmr_reader_open(tmp_path("v10.mmr"), &err);
	if (!r)
		fail_msg("%s", err.msg);
	assert_null(mmr_reader_warning(r));
	size_t n = 0;
	while (mmr_reader_next(r, &got, &err) == 1) {
		assert_int_equal(got.id, ev[n].id);
		assert_int_equal(got.ts_ns, ev[n].ts_ns);
		n++;
	}
	assert_int_equal(n, 10);
	mmr_reader_close(r);
}

static void test_wrong_version_and_not_a_trace(void **state)
{
	(void)state;
	size_t len;
	struct mmr_event ev[10];
	struct mmr_error err;
	make_events(ev, 10);
	write_trace(tmp_path("ver.mmr"), ev, 10);
	uint8_t *p = slurp(tmp_path("ver.mmr"), &len);
	p[8] = 2;
	spit(tmp_path("ver2.mmr"), p, len);
	assert_null(mmr_reader_open(tmp_path("ver2.mmr"), &err));
	char want[64];
	snprintf(want, sizeof(want), "offset 8: unsupported format version 2.%d", TRACE_VERSION_MINOR);
	assert_non_null(strstr(err.msg, want));
	free(p);

	spit(tmp_path("text.mmr"), (const uint8_t *)"hello, this is not a trace at all\n", 34);
	assert_null(mmr_reader_open(tmp_path("text.mmr"), &err));
	assert_non_null(strstr(err.msg, "offset 0: not an mmreplay trace"));
	spit(tmp_path("short.mmr"), (const uint8_t *)"MMR", 3);
	assert_null(mmr_reader_open(tmp_path("short.mmr"), &err));
	assert_non_null(strstr(err.msg, "too short"));
	/* A directory is read as a capture's parts: here, damaged ones, and in an empty one none. */
	assert_null(mmr_reader_open(dir, &err));
	assert_non_null(strstr(err.msg, dir));
	assert_int_equal(mkdir(tmp_path("empty.d"), 0777), 0);
	assert_null(mmr_reader_open(tmp_path("empty.d"), &err));
	assert_non_null(strstr(err.msg, "a directory with no .mmr file in it"));
	assert_null(mmr_reader_open(tmp_path("missing.mmr"), &err));
	assert_non_null(strstr(err.msg, "No such file"));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mmr_family_name(MMR_FAM_KVFREE_RCU), "kvfree_rcu");
	assert_string_equal(mmr_op_name(MMR_OP_RELEASE_NOWAIT), "release_nowait");
	assert_null(mmr_family_name(MMR_FAM_COUNT));
	assert_null(mmr_op_name(MMR_OP_COUNT));
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		assert_int_equal(mmr_family_from_name(mmr_family_name(f)), f);
	for (unsigned o = 0; o < MMR_OP_COUNT; o++)
		assert_int_equal(mmr_op_from_name(mmr_op_name(o)), o);
	assert_int_equal(mmr_op_from_name("nope"), -1);
	assert_true(mmr_op_ends_object(MMR_OP_KVFREE_RCU));
	assert_false(mmr_op_ends_object(MMR_OP_UNMAP));
	assert_true(mmr_op_starts_object(MMR_OP_REALLOC));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stored_blocks),
		cmocka_unit_test(test_growing_block),
		cmocka_unit_test(test_empty_trace),
		cmocka_unit_test(test_writer_rejects_bad_event),
		cmocka_unit_test(test_minor_zero_reads), cmocka_unit_test(test_wrong_version_and_not_a_trace),
		cmocka_unit_test(test_every_flipped_byte_is_caught),
		cmocka_unit_test(test_truncation_is_an_error),
		cmocka_unit_test(test_killed_writer_truncations_recover),
		cmocka_unit_test(test_killed_writer_process),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
