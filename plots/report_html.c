/* SPDX-License-Identifier: MIT */
/*
 * report_html.c - the report as one self-contained HTML page: the style
 * inline and every plot embedded as a base64 data: URI, so the file can
 * be mailed or attached to a patch review and still show its pictures.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char style[] =
	"body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:92%;display:block;overflow-x:auto}"
	"th,td{border:1px solid #bbb;padding:.25em .6em;text-align:right;white-space:nowrap}"
	"td:only-child{white-space:normal}" /* a one-column table is sentences (verdicts): they wrap */
	"th:first-child,td:first-child{text-align:left}th{background:#eee}"
	"caption{font-weight:bold;text-align:left;padding:.3em 0}"
	".legend{font-size:90%;color:#555;margin-top:-1em}"
	"figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}"
	"li{margin:.3em 0}";

/*
 * S as HTML text or a double-quoted attribute value: &, <, >, " and '
 * escaped, control characters as spaces.  Every text of the page goes
 * through here, names from results.json files among them.
 */
static void text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
		}
	}
}

/* The file DIR/NAME as base64.  Returns 0, or -1 with errno. */
static int base64_file(FILE *f, const char *dir, const char *name)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *in = n > 0 && (size_t)n < sizeof(path) ? fopen(path, "rb") : NULL;
	if (!in)
		return -1;
	unsigned char b[3];
	size_t got;
	while ((got = fread(b, 1, 3, in)) > 0) {
		unsigned v = (unsigned)b[0] << 16 | (got > 1 ? (unsigned)b[1] << 8 : 0) | (got > 2 ? b[2] : 0);
		char out[4] = {b64[v >> 18], b64[(v >> 12) & 63], got > 1 ? b64[(v >> 6) & 63] : '=',
			       got > 2 ? b64[v & 63] : '='};
		fwrite(out, 1, 4, f);
	}
	int bad = ferror(in);
	fclose(in);
	if (bad)
		errno = EIO;
	return bad ? -1 : 0;
}

static void table(FILE *f, const struct rpt_table *t)
{
	fputs("<table>\n<caption>", f);
	text(f, t->caption);
	fputs("</caption>\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", f);
		for (size_t c = 0; c < t->ncols; c++) {
			fputs(r ? "<td>" : "<th>", f);
			text(f, t->cells[r * t->ncols + c]);
			fputs(r ? "</td>" : "</th>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (t->legend) {
		fputs("<p class=\"legend\">", f);
		text(f, t->legend);
		fputs("</p>\n", f);
	}
}

static int section(FILE *f, const struct rpt_section *s, const char *dir)
{
	fputs("<h2>", f);
	text(f, s->heading);
	fputs("</h2>\n", f);
	for (size_t p = 0; p < s->nparas; p++) {
		fputs("<p>", f);
		text(f, s->paras[p]);
		fputs("</p>\n", f);
	}
	for (size_t t = 0; t < s->ntables; t++)
		table(f, s->tables[t]);
	for (size_t g = 0; g < s->nfigures; g++) {
		fputs("<figure><img alt=\"", f);
		text(f, s->figures[g].caption);
		fputs("\" src=\"data:image/png;base64,", f);
		if (base64_file(f, dir, s->figures[g].file))
			return -1;
		fputs("\"><figcaption>", f);
		text(f, s->figures[g].caption);
		fputs("</figcaption></figure>\n", f);
	}
	for (size_t l = 0; l < s->nlinks; l++) {
		fputs(l ? "<li><a href=\"" : "<ul class=\"links\">\n<li><a href=\"", f);
		rpt_url(f, s->links[l].file);
		fputs("\">", f);
		text(f, s->links[l].caption);
		fputs(l + 1 == s->nlinks ? "</a></li>\n</ul>\n" : "</a></li>\n", f);
	}
	return 0;
}

int rpt_write_html(const struct rpt_doc *d, const char *dir, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	text(f, d->title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
	text(f, d->title);
	fputs("</h1>\n", f);
	for (size_t i = 0; i < d->nintro; i++) {
		fputs("<p>", f);
		text(f, d->intro[i]);
		fputs("</p>\n", f);
	}
	if (d->nverdicts) {
		fputs("<h2>Verdicts</h2>\n<ul class=\"verdicts\">\n", f);
		for (size_t i = 0; i < d->nverdicts; i++) {
			fputs("<li>", f);
			text(f, d->verdicts[i]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	for (size_t i = 0; i < d->nsections; i++)
		if (section(f, d->sections[i], dir))
			return -1;
	fputs("</body>\n</html>\n", f);
	if (ferror(f)) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}
