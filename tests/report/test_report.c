/* SPDX-License-Identifier: MIT */
/*
 * test_report.c - the report's document model rendered to Markdown and
 * HTML: cells that would break a table are escaped, HTML is escaped, a
 * figure is embedded as the exact base64 of its file, and a figure that
 * cannot be read is an error rather than a page with a hole in it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report.h"

/* Render D with HTML or Markdown into a string (free()). */
static char *render(const struct rpt_doc *d, bool html, const char *dir, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	*rc = html ? rpt_write_html(d, dir, f) : rpt_write_md(d, f);
	fclose(f);
	return buf;
}

static void build(struct rpt_doc *d)
{
	memset(d, 0, sizeof(*d));
	d->title = strdup("a <title> & more");
	rpt_intro(d, "intro %d", 1);
	rpt_verdict(d, "x: alloc p99 -50%% vs y (significant)");
	struct rpt_section *s = rpt_section(d, "Tables");
	static const char *const head[] = {"engine", "p99"};
	struct rpt_table *t = rpt_table(d, s, "alloc", 2, head);
	long row = rpt_row(d, t);
	rpt_cell(d, t, row, 0, "a|b");
	rpt_cell(d, t, row, 1, "<%d>", 7);
	/* A second table after the first: the first must stay valid. */
	struct rpt_table *t2 = rpt_table(d, s, "free", 2, head);
	rpt_cell(d, t2, rpt_row(d, t2), 0, "second");
	rpt_legend(d, t, "legend %s", "here");
	assert_false(d->oom);
}

static void test_markdown(void **state)
{
	(void)state;
	struct rpt_doc d;
	int rc;
	build(&d);
	char *md = render(&d, false, ".", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(md, "# a \\<title\\> \\& more\n"));
	assert_non_null(strstr(md, "- x: alloc p99 -50% vs y (significant)\n"));
	assert_non_null(strstr(md, "| engine | p99 |\n|---|---:|\n| a\\|b | \\<7\\> |\n"));
	assert_non_null(strstr(md, "*legend here*"));
	assert_non_null(strstr(md, "| second |  |"));
	free(md);
	rpt_doc_free(&d);
}

/*
 * Names from results.json are text in the Markdown, never markup: a tag, an
 * entity, emphasis, code, a link; a line break cannot start a heading; what
 * starts a paragraph or a list item cannot make it a heading, quote or list.
 */
static void test_markdown_escapes(void **state)
{
	(void)state;
	struct rpt_doc d = {0};
	int rc;
	d.title = strdup("t");
	rpt_intro(&d, "# not a heading");
	rpt_intro(&d, "12. not a list");
	rpt_intro(&d, "    not code");
	rpt_verdict(&d, "- x\n# y <script>alert(1)</script> &amp; *e* _u_ `c` [l](javascript:x) ~s~");
	struct rpt_section *s = rpt_section(&d, "S");
	rpt_link(&d, s, "a b/(c)/javascript:x.html", "t]");
	char *md = render(&d, false, ".", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(md, "\n\\# not a heading\n"));
	assert_non_null(strstr(md, "\n12\\. not a list\n"));
	assert_non_null(strstr(md, "\nnot code\n"));
	assert_non_null(strstr(md, "\n- \\- x # y \\<script\\>alert(1)\\</script\\> \\&amp; \\*e\\* \\_u\\_ \\`c\\` "
				   "\\[l\\](javascript:x) \\~s\\~\n"));
	assert_non_null(strstr(md, "- [t\\]](a%20b/%28c%29/javascript%3Ax.html)\n"));
	free(md);
	rpt_doc_free(&d);
}

static void test_html_escapes_and_embeds(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_report_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/f.png", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("Man Ma", f); /* base64: TWFu (3 bytes) IE1h (3 bytes) */
	fclose(f);
	snprintf(path, sizeof(path), "%s/g.png", dir);
	f = fopen(path, "w");
	fputs("Ma", f); /* TWE= (2 bytes: one pad) */
	fclose(f);
	struct rpt_doc d;
	int rc;
	build(&d);
	struct rpt_section *s = rpt_section(&d, "Plots");
	rpt_figure(&d, s, "f.png", "first \"plot\"");
	rpt_figure(&d, s, "g.png", "second");
	char *html = render(&d, true, dir, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(html, "<h1>a &lt;title&gt; &amp; more</h1>"));
	assert_non_null(strstr(html, "<td>a|b</td><td>&lt;7&gt;</td>"));
	assert_non_null(strstr(html, "<li>x: alloc p99 -50% vs y (significant)</li>"));
	assert_non_null(strstr(html, "alt=\"first &quot;plot&quot;\" src=\"data:image/png;base64,TWFuIE1h\""));
	assert_non_null(strstr(html, "src=\"data:image/png;base64,TWE=\""));
	assert_non_null(strstr(html, "</html>\n"));
	free(html);
	/* A figure that is not there: an error, not a broken page. */
	rpt_figure(&d, s, "missing.png", "gone");
	html = render(&d, true, dir, &rc);
	assert_int_equal(rc, -1);
	free(html);
	rpt_doc_free(&d);
	snprintf(path, sizeof(path), "%s/f.png", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/g.png", dir);
	unlink(path);
	rmdir(dir);
}

static void test_ns(void **state)
{
	(void)state;
	char b[32];
	rpt_ns(b, sizeof(b), 812);
	assert_string_equal(b, "812 ns");
	rpt_ns(b, sizeof(b), 8120);
	assert_string_equal(b, "8.12 us");
	rpt_ns(b, sizeof(b), -1206714);
	assert_string_equal(b, "-1.21 ms");
	rpt_ns(b, sizeof(b), 2.5e9);
	assert_string_equal(b, "2.5 s");
	rpt_ns(b, sizeof(b), NAN);
	assert_string_equal(b, "-");
}

/* The index's top: the weightiest verdict of each entry, then the weightiest entries. */
static void test_index_top(void **state)
{
	(void)state;
#define V(t, w) {.text = t, .weight = w}
	struct mmr_verdict a[] = {V("a1", 0.5), V("a2", 2.0)}, b[] = {V("b1", 1.0)}, c[] = {V("c1", 3.0), V("c2", 2.5)},
			   z[] = {V("z1", 0)};
#undef V
	struct mmr_index_entry e[] = {
		{.heading = "A", .intro = "about A", .href = "a.html", .label = "a", .verdicts = a, .nverdicts = 2},
		{.heading = "A", .href = "b.html", .label = "b", .text = "b's trace", .verdicts = b, .nverdicts = 1},
		{.heading = "C", .href = "c.html", .label = "c", .verdicts = c, .nverdicts = 2},
		{.heading = "C", .href = "z.html", .label = "z", .verdicts = z, .nverdicts = 1},
	};
	const struct mmr_verdict *top[3];
	struct mmr_index_opts o = {.title = "t", .entries = e, .n = 4, .top = 3};
	assert_int_equal(mmr_index_top(&o, top), 3);
	assert_string_equal(top[0]->text, "c1"); /* c2 is c's too: one per entry */
	assert_string_equal(top[1]->text, "a2");
	assert_string_equal(top[2]->text, "b1");

	char dir[] = "/tmp/test_index_XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	o.outdir = dir;
	struct mmr_error err;
	assert_int_equal(mmr_index_write(&o, &err), 0);
	snprintf(path, sizeof(path), "%s/index.md", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "## Verdicts\n\n- c1\n- a2\n- b1\n\n## A\n\nabout A\n\n**a**"));
	assert_non_null(strstr(buf, "| b1 |\n\n*b's trace*\n"));
	assert_non_null(strstr(buf, "- [a](a.html)\n- [b](b.html)\n"));
	assert_null(strstr(buf, "about A\n\nabout A"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	assert_int_equal(unlink(path), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_markdown_escapes),
		cmocka_unit_test(test_html_escapes_and_embeds),
		cmocka_unit_test(test_ns),
		cmocka_unit_test(test_index_top),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
