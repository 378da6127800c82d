/* SPDX-License-Identifier: MIT */
/*
 * test_import_tracedat.c - the trace.dat importer against synthetic files
 * (tracedat_synth.c) of version 6, 7 and 7 compressed: each gives the same
 * events (every ring-buffer encoding followed), lost counts and names;
 * every truncation, a sample of single damaged bytes and particular
 * damage give a readable trace or one error line and no output, never a
 * crash or a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <traceevent/event-parse.h>

#include "cap_internal.h"
#include "perf_synth.h"

static char dir[] = "/tmp/mmr-test-tracedat-XXXXXX";
static char in_path[128], out_path[128];

enum kind { V6, V7, V7Z, NKINDS };
static const char *const kind_name[NKINDS] = {"version 6", "version 7", "version 7, zstd"};

static void build(struct ps_buf *b, enum kind k, uint32_t cpus, uint32_t events)
{
	memset(b, 0, sizeof(*b));
	if (k == V6)
		ps_trace_dat(b, cpus, events);
	else
		ps_trace_dat7(b, cpus, events, k == V7Z);
}

static int import_buf(const struct ps_buf *b, struct mmr_import_summary *sum, struct mmr_error *err)
{
	if (ps_write(b, in_path))
		fail_msg("cannot write %s", in_path);
	memset(err, 0, sizeof(*err));
	unlink(out_path);
	return mmr_import(in_path, out_path, sum, err);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* A failed import: one line naming the input and an offset, and no output. */
static void assert_clean_failure(const struct mmr_error *err)
{
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "%s: offset ", in_path);
	if (strncmp(err->msg, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s' does not start with '%s'", err->msg, prefix);
	if (strchr(err->msg, '\n'))
		fail_msg("error of more than one line: '%s'", err->msg);
	if (exists(out_path))
		fail_msg("a failed import left %s behind (%s)", out_path, err->msg);
}

/* Every event of the trace at out_path (N of them into *EV, malloc'ed). */
static size_t read_all(struct mmr_event **ev, const struct mmr_meta **meta, struct mmr_reader **r)
{
	struct mmr_error err;
	*r = mmr_reader_open(out_path, &err);
	if (!*r)
		fail_msg("%s", err.msg);
	*meta = mmr_reader_meta(*r);
	size_t n = 0, cap = 4096;
	*ev = malloc(cap * sizeof(**ev));
	assert_non_null(*ev);
	int rc;
	while ((rc = mmr_reader_next(*r, &(*ev)[n], &err)) == 1)
		if (++n == cap)
			assert_non_null(*ev = realloc(*ev, (cap *= 2) * sizeof(**ev)));
	assert_int_equal(rc, 0);
	return n;
}

/* Version 6, 7 and 7 compressed: the same 1800 events, in order, the same lost count and names. */
static void versions_agree(void **state)
{
	(void)state;
	struct mmr_event *first = NULL;
	size_t nfirst = 0;
	for (int k = 0; k < NKINDS; k++) {
		struct ps_buf b;
		struct mmr_import_summary sum;
		struct mmr_error err;
		build(&b, (enum kind)k, 3, 600);
		if (import_buf(&b, &sum, &err))
			fail_msg("%s: %s", kind_name[k], err.msg);
		assert_int_equal(sum.records, 1800);
		assert_int_equal(sum.events, 1800);
		assert_int_equal(sum.lost, 5);
		assert_int_equal(sum.out_of_order, 0);
		struct mmr_event *ev;
		const struct mmr_meta *m;
		struct mmr_reader *r;
		size_t n = read_all(&ev, &m, &r);
		assert_int_equal(n, 1800);
		assert_int_equal(m->nr_cpus, 3);
		assert_int_equal(m->lost[1], 5);
		assert_string_equal(mmr_reader_comm(r, 100), "ps-init");
		assert_string_equal(mmr_reader_comm(r, 101), "ps-worker");
		for (size_t i = 1; i < n; i++)
			assert_true(ev[i].ts_ns >= ev[i - 1].ts_ns);
		/* The time extends: the last events are past 2^27 ns of gaps, on every CPU. */
		assert_true(ev[n - 1].ts_ns > (1ull << 32));
		if (!first) {
			first = ev;
			nfirst = n;
		} else {
			assert_int_equal(n, nfirst);
			for (size_t i = 0; i < n; i++)
				if (ev[i].ts_ns != first[i].ts_ns || ev[i].cpu != first[i].cpu || ev[i].id != first[i].id ||
				    ev[i].op != first[i].op)
					fail_msg("%s: event %zu differs from version 6's", kind_name[k], i);
			free(ev);
		}
		mmr_reader_close(r);
		ps_free(&b);
	}
	free(first);
}

/*
 * Proper prefixes of each kind fail cleanly: every one that ends in the
 * file header, in version 6's CPU count, options and CPU table, or in the
 * last 600 bytes (version 7's options), and every 23rd elsewhere (cuts in
 * the tracing data are test_tracing_data's, in the pages all alike).
 */
static void every_truncation_fails(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct ps_buf b;
		build(&b, (enum kind)k, 2, 60);
		assert_int_equal(ps_write(&b, in_path), 0);
		const uint8_t *opt = memmem(b.p, b.len, "options  ", 10);
		size_t tail = k == V6 && opt ? (size_t)(opt - b.p) - 8 : b.len;
		for (size_t len = b.len; len-- > 0;) {
			if (len > 64 && len + 600 < b.len && (len < tail || len > tail + 80) && len % 23)
				continue;
			struct mmr_import_summary sum;
			struct mmr_error err = {{0}};
			assert_int_equal(truncate(in_path, (off_t)len), 0);
			unlink(out_path);
			if (mmr_import(in_path, out_path, &sum, &err) == 0)
				fail_msg("%s cut to %zu of %zu bytes imported", kind_name[k], len, b.len);
			assert_clean_failure(&err);
		}
		ps_free(&b);
	}
}

/*
 * Single damaged bytes, a sample of each file (the tracing data's own
 * damage is test_tracing_data's): a trace that reads, or one clean error.
 */
static void damaged_bytes_never_crash(void **state)
{
	(void)state;
	static const uint8_t values[] = {0x00, 0xff, 0x7f, 0x1d, 0x1e, 0x1f, 0x80};
	for (int k = 0; k < NKINDS; k++) {
		struct ps_buf b;
		build(&b, (enum kind)k, 2, 60);
		size_t oks = 0, fails = 0, stride = b.len / 300 + 1;
		for (size_t i = (size_t)k; i < b.len; i += stride) {
			uint8_t old = b.p[i];
			b.p[i] = values[i % sizeof(values)] == old ? (uint8_t)~old : values[i % sizeof(values)];
			struct mmr_import_summary sum;
			struct mmr_error err;
			int rc = import_buf(&b, &sum, &err);
			b.p[i] = old;
			if (rc) {
				assert_clean_failure(&err);
				fails++;
			} else {
				oks++;
			}
		}
		assert_true(oks > 0 && fails > 0);
		ps_free(&b);
	}
}

/* Damage B with FN (given the offset of the first CPU's data) and expect an error saying WHAT. */
static void expect_error(enum kind k, void (*fn)(struct ps_buf *), const char *what)
{
	struct ps_buf b;
	struct mmr_import_summary sum;
	struct mmr_error err;
	build(&b, k, 2, 60);
	fn(&b);
	if (import_buf(&b, &sum, &err) == 0)
		fail_msg("%s imported; expected '%s'", kind_name[k], what);
	assert_clean_failure(&err);
	if (!strstr(err.msg, what))
		fail_msg("%s: '%s' does not say '%s'", kind_name[k], err.msg, what);
	ps_free(&b);
}

/* The first page: the file's first page-aligned offset after the header (the synthetic files put it there). */
static uint8_t *first_page(struct ps_buf *b)
{
	for (size_t at = 4096; at + 4096 <= b->len; at += 4096)
		if (!memcmp(b->p + at, "\x40\x42\x0f\x00\x00\x00\x00\x00", 8)) /* CPU 0's timestamp, 1000000 */
			return b->p + at;
	fail_msg("no first page");
	return NULL;
}

static void d_commit(struct ps_buf *b) { uint64_t c = 5000; memcpy(first_page(b) + 8, &c, 8); }
static void d_event_len(struct ps_buf *b)
{
	/* The first event says 112 bytes; the page commits 20. */
	uint32_t h = 28;
	uint64_t c = 20;
	memcpy(first_page(b) + 16, &h, 4);
	memcpy(first_page(b) + 8, &c, 8);
}
static void d_padding_back(struct ps_buf *b)
{
	/* A discarded event whose length would point far away: must not loop or read out of the page. */
	uint32_t h[2] = {29 | 1u << 5, 0xfffffff0};
	memcpy(first_page(b) + 16, h, 8);
}
static void d_long_len(struct ps_buf *b) { uint32_t h[2] = {0, 2}; memcpy(first_page(b) + 16, h, 8); }
static void d_printk(struct ps_buf *b)
{
	uint8_t *at = memmem(b->p, b->len, "0xffffffff81800000 : ", 21);
	assert_non_null(at);
	at[19] = 'x';
}
static void d_v6_cpus(struct ps_buf *b)
{
	uint8_t *at = memmem(b->p, b->len, "flyrecord", 10);
	assert_non_null(at);
	uint64_t far = b->len * 2;
	memcpy(at + 10, &far, 8);
}
static void d_v7_loop(struct ps_buf *b)
{
	/* The last options section's DONE points back at itself. */
	uint64_t opt;
	memcpy(&opt, b->p + 24, 8);
	memcpy(b->p + b->len - 8, &opt, 8);
}
static void d_v7_section(struct ps_buf *b) { b->p[32] = 17; /* the first section's id: header info, 16 */ }
static void d_v7_zlib(struct ps_buf *b) { memcpy(b->p + 18, "zlib", 4); }
static void d_v7_chunk(struct ps_buf *b)
{
	uint8_t *z = memmem(b->p + 4096, b->len - 4096, "\x28\xb5\x2f\xfd", 4); /* the first chunk's zstd frame */
	assert_non_null(z);
	z[6] ^= 0xff;
}

static void particular_damage(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		if (k != V7Z) {
			expect_error((enum kind)k, d_commit, "commits 5000 bytes, more than the page holds");
			expect_error((enum kind)k, d_event_len, "overruns the page's data");
			expect_error((enum kind)k, d_padding_back, "overruns the page's data");
			expect_error((enum kind)k, d_long_len, "overruns the page's data");
		}
		if (k != V7Z)
			expect_error((enum kind)k, d_printk, "printk formats: line not of the form");
	}
	expect_error(V6, d_v6_cpus, "is not within the file");
	expect_error(V7, d_v7_loop, "options sections: a loop");
	expect_error(V7, d_v7_section, "section 17 found where section 16 should be");
	expect_error(V7Z, d_v7_zlib, "compressed with 'zlib': this build reads zstd");
	expect_error(V7Z, d_v7_chunk, "does not decompress");
}

/* A print format that made libtraceevent divide by zero (libtracecmd parsed it): imported, untouched. */
static void damaged_print_format_imports(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct ps_buf b;
		struct mmr_import_summary sum;
		struct mmr_error err;
		build(&b, (enum kind)k, 2, 60);
		if (k != V7Z) {
			uint8_t *at = memmem(b.p, b.len, "REC->ip", 7);
			assert_non_null(at);
			at[1] = '%';
		}
		if (import_buf(&b, &sum, &err))
			fail_msg("%s: %s", kind_name[k], err.msg);
		assert_int_equal(sum.events, 120);
		ps_free(&b);
	}
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(in_path, sizeof(in_path), "%s/in.dat", dir);
	snprintf(out_path, sizeof(out_path), "%s/out.mmr", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(in_path);
	unlink(out_path);
	return rmdir(dir);
}

int main(void)
{
	tep_set_loglevel(TEP_LOG_NONE);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(versions_agree),
		cmocka_unit_test(particular_damage),
		cmocka_unit_test(damaged_print_format_imports),
		cmocka_unit_test(every_truncation_fails),
		cmocka_unit_test(damaged_bytes_never_crash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
