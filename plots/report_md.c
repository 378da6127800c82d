/* SPDX-License-Identifier: MIT */
/*
 * report_md.c - the report as Markdown (GitHub's dialect: pipe tables),
 * the figures linked by their relative paths so the report directory can
 * be moved or committed as a whole.
 *
 * Every text goes through md_text: engine, lock and trace names come from
 * results.json files anyone can write, and a name must read as itself, not
 * as markup (a name holding "<script>" was raw HTML in the report).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/*
 * S as Markdown inline text: every character that can start markup (raw
 * HTML, an entity, emphasis, code, a link, a table cell's end) escaped
 * with a backslash, which CommonMark allows before any ASCII punctuation;
 * when S starts a BLOCK (a paragraph, a list item's text) also what would
 * make it a heading, a quote or a list; line breaks and other control
 * characters as spaces, so the text stays in its block.
 */
static void md_text(FILE *f, const char *s, bool block)
{
	bool start = block;
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f) {
			fputc(' ', f);
			start = false;
			continue;
		}
		if (start && ch == ' ')
			continue; /* four spaces would make a code block */
		bool list_number = start && ch >= '0' && ch <= '9' && strspn(s, "0123456789") < strlen(s) &&
				   strchr(".)", s[strspn(s, "0123456789")]);
		if (strchr("\\`*_[]<>|&~", ch) || (start && strchr("#+-=", ch)))
			fputc('\\', f);
		if (list_number) {
			size_t d = strspn(s, "0123456789");
			fwrite(s, 1, d, f);
			fputc('\\', f);
			s += d;
			ch = (unsigned char)*s;
		}
		fputc(ch, f);
		start = false;
	}
}

/* A link target: percent-encoded (rpt_url), so that a space or a ')' in a name cannot end it. */
static void md_link(FILE *f, const char *text, const char *href, bool image)
{
	fputs(image ? "![" : "[", f);
	md_text(f, text, false);
	fputs("](", f);
	rpt_url(f, href);
	fputc(')', f);
}

static void table(FILE *f, const struct rpt_table *t)
{
	fputs("**", f);
	md_text(f, t->caption, false);
	fputs("**\n\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputc('|', f);
		for (size_t c = 0; c < t->ncols; c++) {
			fputc(' ', f);
			md_text(f, t->cells[r * t->ncols + c], false);
			fputs(" |", f);
		}
		fputc('\n', f);
		for (size_t c = 0; r == 0 && c < t->ncols; c++)
			fputs(c ? "---:|" : "|---|", f);
		if (r == 0)
			fputc('\n', f);
	}
	if (t->legend) {
		fputs("\n*", f);
		md_text(f, t->legend, false);
		fputs("*\n", f);
	}
	fputc('\n', f);
}

/* PREFIX, S as text (starting a block: a paragraph or a list item), SUFFIX. */
static void line(FILE *f, const char *prefix, const char *s, const char *suffix)
{
	fputs(prefix, f);
	md_text(f, s, strcmp(prefix, "# ") && strcmp(prefix, "## "));
	fputs(suffix, f);
}

int rpt_write_md(const struct rpt_doc *d, FILE *f)
{
	line(f, "# ", d->title ? d->title : "mmreplay report", "\n\n");
	for (size_t i = 0; i < d->nintro; i++)
		line(f, "", d->intro[i], "\n\n");
	if (d->nverdicts) {
		fputs("## Verdicts\n\n", f);
		for (size_t i = 0; i < d->nverdicts; i++)
			line(f, "- ", d->verdicts[i], "\n");
		fputc('\n', f);
	}
	for (size_t i = 0; i < d->nsections; i++) {
		const struct rpt_section *s = d->sections[i];
		line(f, "## ", s->heading, "\n\n");
		for (size_t p = 0; p < s->nparas; p++)
			line(f, "", s->paras[p], "\n\n");
		for (size_t t = 0; t < s->ntables; t++)
			table(f, s->tables[t]);
		for (size_t g = 0; g < s->nfigures; g++) {
			md_link(f, s->figures[g].caption, s->figures[g].file, true);
			fputs("\n\n", f);
		}
		for (size_t l = 0; l < s->nlinks; l++) {
			fputs("- ", f);
			md_link(f, s->links[l].caption, s->links[l].file, false);
			fputc('\n', f);
		}
		if (s->nlinks)
			fputc('\n', f);
	}
	if (ferror(f)) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}
