/* SPDX-License-Identifier: MIT */
/*
 * test_tracing_data.c - cap_tracing_data_parse() on hand-built blocks
 * (perf_synth.c): a good block parses into a tep handle that knows the
 * events, their fields and the symbols; every truncation and every kind of
 * damage fails with one error line naming an offset inside the block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <traceevent/event-parse.h>

#include "cap_internal.h"
#include "perf_synth.h"

#define BASE 1000 /* a file offset for the block, so errors must add it */

static const char ksyms[] = "ffffffff81001000 T ps_alpha\nffffffff81002000 t ps_beta\n"
			    "ffffffff81003000 T ps_end\n";

/* The offset an error message names. */
static unsigned long long err_offset(const struct mmr_error *err)
{
	const char *p = strstr(err->msg, ": offset ");
	assert_non_null(p);
	return strtoull(p + 9, NULL, 10);
}

static void assert_one_line_error(const struct mmr_error *err, size_t len)
{
	assert_non_null(strstr(err->msg, "blk: offset "));
	if (strchr(err->msg, '\n'))
		fail_msg("a message of more than one line: '%s'", err->msg);
	unsigned long long off = err_offset(err);
	assert_true(off >= BASE && off <= BASE + len);
}

static struct tep_handle *parse(const struct ps_buf *b, struct cap_tdata_info *info, struct mmr_error *err)
{
	return cap_tracing_data_parse(b->p, b->len, "blk", BASE, info, err);
}

static void good_block_parses(void **state)
{
	(void)state;
	struct ps_buf b = {0};
	ps_tracing_data(&b, &(struct ps_td_opts){.kallsyms = ksyms});
	struct cap_tdata_info info;
	struct mmr_error err = {{0}};
	struct tep_handle *tep = parse(&b, &info, &err);
	assert_non_null(tep);
	assert_string_equal(info.version, "0.6");
	assert_false(info.big_endian);
	assert_true(info.has_cmdlines);
	assert_int_equal(info.long_size, 8);
	assert_int_equal(info.page_size, 4096);
	assert_int_equal(info.nr_events, PS_NKINDS + 1); /* and the ftrace one */
	assert_int_equal(info.kallsyms_size, strlen(ksyms));
	assert_int_equal(info.used, b.len);
	/* Every synthetic event is there, by name and by id, with its fields. */
	static const char *const names[PS_NKINDS] = {"kmalloc", "kfree", "kmem_cache_alloc",
		"kmem_cache_free", "mm_page_alloc", "mm_page_free", "ps_other"};
	for (int k = 0; k < PS_NKINDS; k++) {
		struct tep_event *e = tep_find_event_by_name(tep, k == PS_OTHER ? "sched" : "kmem", names[k]);
		assert_non_null(e);
		assert_int_equal(e->id, ps_kind_id((enum ps_kind)k));
		assert_non_null(tep_find_common_field(e, "common_pid"));
	}
	struct tep_format_field *node = tep_find_field(tep_find_event(tep, (int)ps_kind_id(PS_KMALLOC)), "node");
	assert_non_null(node);
	assert_int_equal(node->offset, 48);
	assert_true(node->flags & TEP_FIELD_IS_SIGNED);
	/* kallsyms and saved cmdlines made it in. */
	assert_string_equal(tep_find_function(tep, 0xffffffff81002010ull), "ps_beta");
	assert_true(tep_is_pid_registered(tep, 101));
	tep_free(tep);
	ps_free(&b);
}

static void other_versions_parse(void **state)
{
	(void)state;
	static const char *const versions[] = {"0.5", "6"};
	for (int big = 0; big < 2; big++) {
		for (size_t v = 0; v < 2; v++) {
			struct ps_buf b = {0};
			ps_tracing_data(&b, &(struct ps_td_opts){.version = versions[v], .big_endian = big});
			struct cap_tdata_info info;
			struct mmr_error err = {{0}};
			struct tep_handle *tep = parse(&b, &info, &err);
			assert_non_null(tep);
			assert_string_equal(info.version, versions[v]);
			assert_int_equal(info.has_cmdlines, v == 1);
			assert_int_equal(info.big_endian, big);
			assert_int_equal(tep_is_file_bigendian(tep), big);
			assert_int_equal(info.used, b.len);
			assert_int_equal(info.kallsyms_size, 0);
			tep_free(tep);
			ps_free(&b);
		}
	}
}

/* Every proper prefix of a good block is truncated somewhere: each must fail cleanly. */
static void every_truncation_fails(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		struct ps_buf b = {0};
		ps_tracing_data(&b, &(struct ps_td_opts){.version = v ? "0.5" : "0.6", .kallsyms = ksyms});
		for (size_t len = 0; len < b.len; len++) {
			struct cap_tdata_info info;
			struct mmr_error err = {{0}};
			struct tep_handle *tep = cap_tracing_data_parse(b.p, len, "blk", BASE, &info, &err);
			if (tep)
				fail_msg("a block cut to %zu of %zu bytes parsed", len, b.len);
			assert_one_line_error(&err, len);
			if (!strstr(err.msg, "truncated"))
				fail_msg("cut to %zu: '%s' does not say truncated", len, err.msg);
		}
		ps_free(&b);
	}
}

/* Overwrite LEN bytes at the first occurrence of NEEDLE (after FROM) with WITH. */
static void patch(struct ps_buf *b, size_t from, const void *needle, size_t nlen, const void *with)
{
	for (size_t i = from; i + nlen <= b->len; i++)
		if (!memcmp(b->p + i, needle, nlen)) {
			memcpy(b->p + i, with, nlen);
			return;
		}
	fail_msg("patch: needle not found");
}

/* Damage a good block with FN and expect an error containing WHAT. */
static void expect_damage(void (*fn)(struct ps_buf *), const char *what)
{
	struct ps_buf b = {0};
	ps_tracing_data(&b, &(struct ps_td_opts){.kallsyms = ksyms});
	fn(&b);
	struct cap_tdata_info info;
	struct mmr_error err = {{0}};
	struct tep_handle *tep = parse(&b, &info, &err);
	if (tep)
		fail_msg("damaged block parsed (expected '%s')", what);
	assert_one_line_error(&err, b.len);
	if (!strstr(err.msg, what))
		fail_msg("'%s' does not say '%s'", err.msg, what);
	ps_free(&b);
}

static void d_magic(struct ps_buf *b) { b->p[1] ^= 0xff; }
static void d_version(struct ps_buf *b) { patch(b, 0, "0.6", 3, "0.7"); }
static void d_endian(struct ps_buf *b) { b->p[14] = 2; }
static void d_long(struct ps_buf *b) { b->p[15] = 3; }
static void d_page(struct ps_buf *b) { uint32_t v = 1000; memcpy(b->p + 16, &v, 4); }
static void d_label(struct ps_buf *b) { patch(b, 0, "header_page", 11, "header_pagX"); }
static void d_count(struct ps_buf *b)
{
	/* The count of systems follows the one ftrace format: make it huge. */
	uint32_t huge = 0x7fffffff;
	const uint8_t kmem[] = "kmem";
	for (size_t i = 0; i + 5 <= b->len; i++)
		if (!memcmp(b->p + i, kmem, 5)) {
			memcpy(b->p + i - 4, &huge, 4);
			return;
		}
	fail_msg("no kmem system name");
}
static void d_size(struct ps_buf *b)
{
	/* header_page's u64 size, made larger than the block. */
	uint64_t big = b->len * 2;
	memcpy(b->p + 20 + 12, &big, 8);
}
static void d_format(struct ps_buf *b) { patch(b, 0, "\nID: 10", 7, "\nIX: 10"); }

static void damage_fails(void **state)
{
	(void)state;
	expect_damage(d_magic, "bad magic");
	expect_damage(d_version, "unsupported version '0.7'");
	expect_damage(d_endian, "endianness byte 2");
	expect_damage(d_long, "long size 3");
	expect_damage(d_page, "page size 1000");
	expect_damage(d_label, "expected 'header_page'");
	expect_damage(d_count, "does not fit");
	expect_damage(d_size, "truncated");
	expect_damage(d_format, "does not parse");
}

/*
 * Every byte of a block changed to values that mean something to a parser
 * (separators, quotes, digits, NUL, a byte no text has), two per byte in
 * turn so that neighbouring bytes try the others: a handle or one clean
 * error, never a read out of bounds or a division by zero inside
 * libtraceevent (which the sanitizer build turns into a failure).
 */
static void every_byte_change_is_clean(void **state)
{
	(void)state;
	static const char values[] = {0, '\n', ':', ';', ' ', '"', '\\', '%', '(', ',', '0', 'x', '[', (char)0xff};
	const size_t nv = sizeof(values);
	struct ps_buf b = {0};
	ps_tracing_data(&b, &(struct ps_td_opts){.kallsyms = ksyms});
	size_t parsed = 0, refused = 0;
	for (size_t i = 0; i < b.len; i++) {
		uint8_t old = b.p[i];
		for (size_t k = 0; k < 2; k++) {
			char v = values[(i + k * 7) % nv];
			if ((uint8_t)v == old)
				continue;
			b.p[i] = (uint8_t)v;
			struct cap_tdata_info info;
			struct mmr_error err = {{0}};
			struct tep_handle *tep = parse(&b, &info, &err);
			if (tep) {
				tep_free(tep);
				parsed++;
			} else {
				assert_one_line_error(&err, b.len);
				refused++;
			}
		}
		b.p[i] = old;
	}
	assert_true(parsed > 0 && refused > 0);
	ps_free(&b);
}

/* Tracing data made with O does not parse: one error line saying WANT; LABEL names the case. */
static void expect_refused(const struct ps_td_opts *o, const char *label, const char *want)
{
	struct ps_buf b = {0};
	ps_tracing_data(&b, o);
	struct cap_tdata_info info;
	struct mmr_error err = {{0}};
	struct tep_handle *tep = parse(&b, &info, &err);
	if (tep)
		fail_msg("'%s' parsed", label);
	assert_one_line_error(&err, b.len);
	if (!strstr(err.msg, want))
		fail_msg("'%s': '%s'", label, err.msg);
	ps_free(&b);
}

/* The printk formats libtraceevent would read out of bounds: refused, naming the line. */
static void bad_printk_lines_fail(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"0xffffffff81800000 \"no colon\"\n", /* no ':' at all */
		"0xffffffff81800000 : \"\"\n",        /* an empty format */
		": \"no address\"\n",
		"0xffffffff81800000 :",                 /* nothing after the ':' */
		"0x1 : \"ok\"\nffff : \"no 0x\"\n",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		expect_refused(&(struct ps_td_opts){.printk = bad[k]}, bad[k], "printk formats: line not of the form");
}

/*
 * Saved cmdlines whose pid is no int: refused, naming the line (a pid past
 * a long had libtraceevent leak the name it had read, which the ASan build
 * reports at exit).
 */
static void bad_cmdline_lines_fail(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"99999999999999999999 x\n", /* past a long: libtraceevent leaked "x" */
		"100 ok\n2147483648 past-int\n",
		"-1 negative\n",
		"100\n",  /* no name */
		"100 \n", /* an empty name */
		"x100 y\n",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		expect_refused(&(struct ps_td_opts){.cmdlines = bad[k]}, bad[k],
			       "saved cmdlines: line not of the form 'PID COMM'");
	/* The largest pid an int holds, and empty lines, still parse. */
	struct ps_buf b = {0};
	ps_tracing_data(&b, &(struct ps_td_opts){.cmdlines = "2147483647 max\n\n1 init\n"});
	struct cap_tdata_info info;
	struct mmr_error err = {{0}};
	struct tep_handle *tep = parse(&b, &info, &err);
	if (!tep)
		fail_msg("good cmdlines refused: %s", err.msg);
	tep_free(tep);
	ps_free(&b);
}

int main(void)
{
	/* libtraceevent reports parse trouble on stderr by itself; the error line is ours. */
	tep_set_loglevel(TEP_LOG_NONE);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_block_parses),
		cmocka_unit_test(other_versions_parse),
		cmocka_unit_test(every_truncation_fails),
		cmocka_unit_test(damage_fails),
		cmocka_unit_test(bad_printk_lines_fail),
		cmocka_unit_test(bad_cmdline_lines_fail),
		cmocka_unit_test(every_byte_change_is_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
