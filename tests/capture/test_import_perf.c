/* SPDX-License-Identifier: MIT */
/*
 * test_import_perf.c - the perf.data importer against synthetic files
 * (perf_synth.h) whose builder knows what it wrote: every layout of
 * samples, compressed or not, with lost events, gives exactly the
 * builder's events in perf's order, its lost counts, names and metadata;
 * every truncation and every flipped byte gives either a readable trace or
 * one error line and no output file, never a crash.
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

static char dir[] = "/tmp/mmr-test-import-XXXXXX";
static char in_path[128], out_path[128];

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int import_buf(const struct ps_buf *b, struct mmr_import_summary *sum, struct mmr_error *err)
{
	if (ps_write(b, in_path))
		fail_msg("cannot write %s", in_path);
	memset(err, 0, sizeof(*err));
	unlink(out_path);
	return mmr_import(in_path, out_path, sum, err);
}

/* A failed import: one line naming the input and an offset, and no output. */
static void assert_clean_failure(const struct mmr_error *err)
{
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "%s: offset ", in_path);
	if (strncmp(err->msg, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s' does not start with '%s'", err->msg, prefix);
	assert_null(strchr(err->msg, '\n'));
	if (exists(out_path))
		fail_msg("a failed import left %s behind (%s)", out_path, err->msg);
}

static void assert_events_equal(const struct mmr_event *a, const struct mmr_event *b, size_t i)
{
	/* Field by field: padding bytes are not part of an event. */
	if (a->ts_ns == b->ts_ns && a->id == b->id && a->aux == b->aux && a->bytes_req == b->bytes_req &&
	    a->bytes_alloc == b->bytes_alloc && a->call_site == b->call_site && a->gfp == b->gfp &&
	    a->pid == b->pid && a->cpu == b->cpu && a->node == b->node && a->flags == b->flags &&
	    a->family == b->family && a->op == b->op && a->order == b->order)
		return;
	const struct mmr_event *e[2] = {a, b};
	char text[2][256];
	for (int k = 0; k < 2; k++)
		snprintf(text[k], sizeof(text[k]),
			 "ts %llu cpu %u pid %d %u/%u id %llx aux %llx req %llu alloc %llu site %llx gfp %#x node %d flags %#x order %u",
			 (unsigned long long)e[k]->ts_ns, e[k]->cpu, e[k]->pid, e[k]->family, e[k]->op,
			 (unsigned long long)e[k]->id, (unsigned long long)e[k]->aux,
			 (unsigned long long)e[k]->bytes_req, (unsigned long long)e[k]->bytes_alloc,
			 (unsigned long long)e[k]->call_site, e[k]->gfp, e[k]->node, e[k]->flags, e[k]->order);
	fail_msg("event %zu:\n got  %s\n want %s", i, text[0], text[1]);
}

/* Check the trace at out_path against everything the builder says of F. */
static void check_trace(const struct ps_file *f, const struct mmr_import_summary *sum, bool folded)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(out_path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	assert_null(mmr_reader_warning(r));
	const struct mmr_meta *m = mmr_reader_meta(r);
	assert_string_equal(m->kernel_release, "synthetic-0");
	assert_string_equal(m->clock, "perf");
	assert_string_equal(m->source, "import perf.data");
	assert_int_equal(m->nr_cpus, folded ? 1 : f->nr_cpus);
	assert_non_null(m->lost);
	uint64_t lost = 0;
	for (uint32_t c = 0; c < m->nr_cpus; c++) {
		assert_int_equal(m->lost[c], folded ? f->lost_folded : f->lost[c]);
		lost += m->lost[c];
	}
	assert_int_equal(sum->lost, lost);
	struct mmr_event ev;
	size_t n = 0;
	uint64_t by_family[MMR_FAM_COUNT] = {0};
	int rc;
	while ((rc = mmr_reader_next(r, &ev, &err)) == 1) {
		if (n >= f->nexpect)
			fail_msg("more events than the %zu written", f->nexpect);
		assert_events_equal(&ev, &f->expect[n], n);
		by_family[ev.family]++;
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, f->nexpect);
	assert_int_equal(sum->events, n);
	assert_int_equal(sum->records, f->records);
	assert_memory_equal(sum->by_family, by_family, sizeof(by_family));
	assert_int_equal(sum->out_of_order, f->out_of_order);
	assert_int_equal(sum->type, MMR_IMPORT_PERF);
	struct stat st;
	assert_int_equal(stat(out_path, &st), 0);
	assert_int_equal(sum->file_bytes, (uint64_t)st.st_size);
	for (int i = 0; i < 4; i++) {
		const char *c = mmr_reader_comm(r, f->pids[i]);
		assert_non_null(c);
		assert_string_equal(c, f->comms[i]);
	}
	for (int i = 0; i < 3; i++) {
		const char *s = mmr_reader_symbol(r, f->site[i]);
		assert_non_null(s);
		assert_string_equal(s, f->site_name[i]);
	}
	mmr_reader_close(r);
}

static void roundtrip(const struct ps_opts *o)
{
	struct ps_file f;
	struct mmr_import_summary sum;
	struct mmr_error err;
	ps_perf_data(&f, o);
	if (import_buf(&f.buf, &sum, &err))
		fail_msg("layout %d compress %d: %s", o->layout, o->compress, err.msg);
	check_trace(&f, &sum, o->no_nrcpus);
	ps_file_free(&f);
	unlink(out_path);
}

static void every_layout_roundtrips(void **state)
{
	(void)state;
	for (int layout = PS_SINGLE; layout <= PS_ID_FULL; layout++)
		for (int z = 0; z <= 2; z++)
			for (int lost = 0; lost < 2; lost++)
				roundtrip(&(struct ps_opts){.layout = (enum ps_layout)layout, .compress = z,
							    .lost = lost, .nr_cpus = 3, .events = 300,
							    .seed = (uint64_t)(7 + layout * 3 + z)});
}

static void late_event_is_kept_and_counted(void **state)
{
	(void)state;
	struct ps_opts o = {.layout = PS_IDENTIFIER, .late_event = true, .events = 200};
	struct ps_file f;
	ps_perf_data(&f, &o);
	assert_int_equal(f.out_of_order, 1); /* the builder's own check that the case is what it says */
	ps_file_free(&f);
	roundtrip(&o);
	o.compress = 1;
	roundtrip(&o);
}

static void no_cpu_count_folds_lost(void **state)
{
	(void)state;
	roundtrip(&(struct ps_opts){.layout = PS_IDENTIFIER, .lost = true, .no_nrcpus = true});
}

/* Every proper prefix of a file fails: the header describes sections past its end. */
static void every_truncation_fails(void **state)
{
	(void)state;
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = PS_ID_FULL, .compress = 1, .lost = true, .events = 40});
	size_t full = f.buf.len;
	assert_int_equal(ps_write(&f.buf, in_path), 0);
	/* Shortest last: cutting the one file costs less than writing each. */
	for (size_t len = full; len-- > 0;) {
		struct mmr_import_summary sum;
		struct mmr_error err = {{0}};
		assert_int_equal(truncate(in_path, (off_t)len), 0);
		unlink(out_path);
		if (mmr_import(in_path, out_path, &sum, &err) == 0)
			fail_msg("a file cut to %zu of %zu bytes imported", len, full);
		assert_clean_failure(&err);
	}
	ps_file_free(&f);
}

/*
 * Past the data section lie the feature table and the features, those the
 * importer reads and those it does not: a file cut anywhere there is
 * refused as truncated (cuts inside the CPU description, total memory
 * and command line were imported without a word).
 */
static void every_cut_in_the_features_fails(void **state)
{
	(void)state;
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = PS_IDENTIFIER, .events = 20});
	size_t full = f.buf.len, end = (size_t)(f.data_off + f.data_size);
	assert_int_equal(ps_write(&f.buf, in_path), 0);
	for (size_t len = full; len-- > end;) {
		struct mmr_import_summary sum;
		struct mmr_error err = {{0}};
		assert_int_equal(truncate(in_path, (off_t)len), 0);
		unlink(out_path);
		if (mmr_import(in_path, out_path, &sum, &err) == 0)
			fail_msg("a file cut to %zu of %zu bytes (in its features, from %zu) imported", len, full, end);
		assert_clean_failure(&err);
		if (!strstr(err.msg, "truncated"))
			fail_msg("cut to %zu: '%s' does not say truncated", len, err.msg);
	}
	ps_file_free(&f);
}

/*
 * Any single damaged byte: a trace that reads, or one clean error.  Every
 * STRIDE-th byte from FIRST: each import costs milliseconds under the
 * sanitizers, so the two files share the bytes between them.
 */
static void flip_bytes(enum ps_layout layout, int compress, size_t first, size_t stride)
{
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = layout, .compress = compress, .lost = true, .events = 16});
	size_t fails = 0, oks = 0;
	/*
	 * The tracing data is mostly event format text, whose damage tests
	 * libtraceevent's parser more than this reader: every 64th byte there.
	 */
	uint64_t td_off, td_size;
	memcpy(&td_off, f.buf.p + f.data_off + f.data_size, 8);
	memcpy(&td_size, f.buf.p + f.data_off + f.data_size + 8, 8);
	for (size_t i = first; i < f.buf.len; i += i >= td_off + 64 && i < td_off + td_size ? 64 : stride) {
		struct mmr_import_summary sum;
		struct mmr_error err;
		f.buf.p[i] ^= 0xff;
		int rc = import_buf(&f.buf, &sum, &err);
		f.buf.p[i] ^= 0xff;
		if (rc) {
			assert_clean_failure(&err);
			fails++;
			continue;
		}
		struct mmr_reader *r = mmr_reader_open(out_path, &err);
		if (!r)
			fail_msg("byte %zu flipped: the import succeeded but its trace does not open: %s", i, err.msg);
		struct mmr_event ev;
		while (mmr_reader_next(r, &ev, &err) == 1)
			;
		mmr_reader_close(r);
		unlink(out_path);
		oks++;
	}
	/* Both outcomes occur: damage to headers is caught, damage to values is data. */
	assert_true(fails > 0 && oks > 0);
	ps_file_free(&f);
}

static void flipped_bytes_never_crash(void **state)
{
	(void)state;
	flip_bytes(PS_IDENTIFIER, 0, 0, 5);
	flip_bytes(PS_ID_FULL, 2, 2, 5);
}

/* ---- particular damage ----------------------------------------------------- */

static void expect_error(const struct ps_buf *b, const char *what)
{
	struct mmr_import_summary sum;
	struct mmr_error err;
	if (import_buf(b, &sum, &err) == 0)
		fail_msg("imported; expected '%s'", what);
	assert_clean_failure(&err);
	if (!strstr(err.msg, what))
		fail_msg("'%s' does not say '%s'", err.msg, what);
}

static void set_u64(struct ps_buf *b, size_t off, uint64_t v)
{
	memcpy(b->p + off, &v, 8);
}

/* Offset of the first record of TYPE in F's data section. */
static size_t find_record(const struct ps_file *f, uint32_t type)
{
	for (size_t off = f->data_off; off < f->data_off + f->data_size;) {
		uint32_t t;
		uint16_t size;
		memcpy(&t, f->buf.p + off, 4);
		memcpy(&size, f->buf.p + off + 6, 2);
		if (t == type)
			return off;
		off += size;
	}
	fail_msg("no record of type %u", type);
	return 0;
}

static void header_damage(void **state)
{
	(void)state;
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = PS_IDENTIFIER, .events = 40});
	struct ps_buf b = {0};
	ps_put(&b, f.buf.p, f.buf.len);

	set_u64(&b, 8, 16);
	expect_error(&b, "pipe-mode perf.data");
	memcpy(b.p, f.buf.p, b.len);
	uint64_t swapped = __builtin_bswap64(0x32454c4946524550ull);
	memcpy(b.p, &swapped, 8);
	expect_error(&b, "other byte order");
	memcpy(b.p, "PERFFILE", 8);
	expect_error(&b, "version 1");
	memcpy(b.p, f.buf.p, b.len);
	set_u64(&b, 8, 112);
	expect_error(&b, "header size 112");
	memcpy(b.p, f.buf.p, b.len);
	set_u64(&b, 16, 7);
	expect_error(&b, "attr_size 7");
	memcpy(b.p, f.buf.p, b.len);
	set_u64(&b, 16, 136);
	expect_error(&b, "not a whole number");
	memcpy(b.p, f.buf.p, b.len);
	set_u64(&b, 48, f.data_size + 1000000);
	expect_error(&b, "truncated");
	memcpy(b.p, f.buf.p, b.len);
	set_u64(&b, 72, 0); /* no features at all */
	expect_error(&b, "no tracing data");
	memcpy(b.p, f.buf.p, b.len);
	uint32_t attr_size_field = 99;
	memcpy(b.p + 104 + 8 * (PS_NKINDS + 1) * f.nr_cpus + 4, &attr_size_field, 4);
	expect_error(&b, "does not match");
	ps_free(&b);
	ps_file_free(&f);
}

static void record_damage(void **state)
{
	(void)state;
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = PS_IDENTIFIER, .events = 40});
	struct ps_buf b = {0};
	ps_put(&b, f.buf.p, f.buf.len);
	size_t s = find_record(&f, 9 /* PERF_RECORD_SAMPLE */);

	uint16_t tiny = 4;
	memcpy(b.p + s + 6, &tiny, 2);
	expect_error(&b, "smaller than its header");
	memcpy(b.p, f.buf.p, b.len);
	set_u64(&b, s + 8, 999999); /* the IDENTIFIER */
	expect_error(&b, "unknown event id 999999");
	memcpy(b.p, f.buf.p, b.len);
	/* The raw record's common_type: IDENTIFIER, IP, TID, TIME, CPU, PERIOD, then u32 size. */
	uint16_t other = (uint16_t)ps_kind_id(PS_OTHER) + 100;
	memcpy(b.p + s + 8 + 48 + 4, &other, 2);
	expect_error(&b, "holds a record of another event");
	memcpy(b.p, f.buf.p, b.len);
	uint32_t huge_raw = 60000;
	memcpy(b.p + s + 8 + 48, &huge_raw, 4);
	expect_error(&b, "raw data overruns");
	memcpy(b.p, f.buf.p, b.len);
	size_t c = find_record(&f, 3 /* PERF_RECORD_COMM */);
	memset(b.p + c + 16, 'x', 16); /* the name and its NUL, up to the trailer */
	expect_error(&b, "without a terminated name");
	ps_free(&b);
	ps_file_free(&f);
}

static void format_damage(void **state)
{
	(void)state;
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = PS_IDENTIFIER, .events = 40});
	struct ps_buf b = {0};
	ps_put(&b, f.buf.p, f.buf.len);
	/* kmalloc's format is the first with a bytes_alloc field, which its decoder needs. */
	uint8_t *at = memmem(b.p, b.len, "bytes_alloc;", 12);
	assert_non_null(at);
	memcpy(at, "bytes_allox;", 12);
	expect_error(&b, "the format of kmem:kmalloc lacks a field");
	memcpy(b.p, f.buf.p, b.len);
	/* The first attr's config: a tracepoint with no format. */
	set_u64(&b, 104 + 8 * (PS_NKINDS + 1) * f.nr_cpus + 8, 999);
	expect_error(&b, "tracepoint 999 was recorded but the tracing data has no format");
	ps_free(&b);
	ps_file_free(&f);
}

static void compressed_damage(void **state)
{
	(void)state;
	struct ps_file f;
	ps_perf_data(&f, &(struct ps_opts){.layout = PS_IDENTIFIER, .compress = 1, .events = 40});
	size_t z = find_record(&f, 81);
	f.buf.p[z + 8] ^= 0xff; /* the zstd frame magic */
	expect_error(&f.buf, "does not decompress");
	ps_file_free(&f);
}

static void detects_types(void **state)
{
	(void)state;
	enum mmr_import_type type;
	struct mmr_error err;
	struct ps_buf b = {0};
	struct mmr_import_summary sum;
	assert_int_equal(ps_write(&b, in_path), 0);
	assert_int_equal(mmr_import_detect(in_path, &type, &err), -1);
	assert_non_null(strstr(err.msg, "empty file"));
	ps_put(&b, "MMRTRACE and more", 17);
	assert_int_equal(import_buf(&b, &sum, &err), -1);
	assert_non_null(strstr(err.msg, "an mmreplay trace already"));
	b.len = 0;
	ps_put(&b, "hello, world\n", 13);
	assert_int_equal(import_buf(&b, &sum, &err), -1);
	assert_non_null(strstr(err.msg, "neither perf.data, trace.dat nor a text trace"));
	b.len = 0;
	ps_tracing_data(&b, NULL);
	assert_int_equal(ps_write(&b, in_path), 0);
	assert_int_equal(mmr_import_detect(in_path, &type, &err), 0);
	assert_int_equal(type, MMR_IMPORT_TRACEDAT);
	b.len = 0;
	ps_put(&b, "PERFILE2", 8);
	assert_int_equal(ps_write(&b, in_path), 0);
	assert_int_equal(mmr_import_detect(in_path, &type, &err), 0);
	assert_int_equal(type, MMR_IMPORT_PERF);
	assert_string_equal(mmr_import_type_name(MMR_IMPORT_PERF), "perf.data");
	assert_string_equal(mmr_import_type_name(MMR_IMPORT_TRACEDAT), "trace.dat");
	ps_free(&b);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(in_path, sizeof(in_path), "%s/in.data", dir);
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
		cmocka_unit_test(every_layout_roundtrips),
		cmocka_unit_test(late_event_is_kept_and_counted),
		cmocka_unit_test(no_cpu_count_folds_lost),
		cmocka_unit_test(header_damage),
		cmocka_unit_test(record_damage),
		cmocka_unit_test(format_damage),
		cmocka_unit_test(compressed_damage),
		cmocka_unit_test(detects_types),
		cmocka_unit_test(every_truncation_fails),
		cmocka_unit_test(every_cut_in_the_features_fails),
		cmocka_unit_test(flipped_bytes_never_crash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
