/* SPDX-License-Identifier: MIT */
/*
 * report_md.c - the report as Markdown (GitHub's dialect: pipe tables),
 * the figures linked by their relative paths so the report directory can
 * be moved or committed as a whole.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* S with the characters that would break a table cell escaped. */
static void cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void table(FILE *f, const struct rpt_table *t)
{
	fprintf(f, "**%s**\n\n", t->caption ? t->caption : "");
	for (size_t r = 0; r < t->nrows; r++) {
		fputc('|', f);
		for (size_t c = 0; c < t->ncols; c++) {
			fputc(' ', f);
			cell(f, t->cells[r * t->ncols + c]);
			fputs(" |", f);
		}
		fputc('\n', f);
		for (size_t c = 0; r == 0 && c < t->ncols; c++)
			fputs(c ? "---:|" : "|---|", f);
		if (r == 0)
			fputc('\n', f);
	}
	if (t->legend)
		fprintf(f, "\n*%s*\n", t->legend);
	fputc('\n', f);
}

int rpt_write_md(const struct rpt_doc *d, FILE *f)
{
	fprintf(f, "# %s\n\n", d->title ? d->title : "mmreplay report");
	for (size_t i = 0; i < d->nintro; i++)
		fprintf(f, "%s\n\n", d->intro[i]);
	if (d->nverdicts) {
		fputs("## Verdicts\n\n", f);
		for (size_t i = 0; i < d->nverdicts; i++)
			fprintf(f, "- %s\n", d->verdicts[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < d->nsections; i++) {
		const struct rpt_section *s = d->sections[i];
		fprintf(f, "## %s\n\n", s->heading);
		for (size_t p = 0; p < s->nparas; p++)
			fprintf(f, "%s\n\n", s->paras[p]);
		for (size_t t = 0; t < s->ntables; t++)
			table(f, s->tables[t]);
		for (size_t g = 0; g < s->nfigures; g++)
			fprintf(f, "![%s](%s)\n\n", s->figures[g].caption, s->figures[g].file);
		for (size_t l = 0; l < s->nlinks; l++)
			fprintf(f, "- [%s](%s)\n", s->links[l].caption, s->links[l].file);
		if (s->nlinks)
			fputc('\n', f);
	}
	if (ferror(f)) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}
