/* SPDX-License-Identifier: MIT */
/*
 * gnuplot.c - finding gnuplot and the plot scripts, and running one script
 * per plot, and the numbers of the small tables those plots read.
 * Variables go in through gnuplot -e as single-quoted strings,
 * so a title or a path with spaces or quotes reaches the script intact.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

#define PLOT_SIZE "size 900,560"
#define TITLE_WIDTH 110 /* characters of a title line at that width and the scripts' fonts */

/* Where gnuplot is: MMREPLAY_GNUPLOT, else "gnuplot" on PATH; NULL with ERR when none. */
static const char *find_binary(struct mmr_error *err)
{
	const char *g = getenv("MMREPLAY_GNUPLOT");
	if (g && *g) {
		if (access(g, X_OK) == 0)
			return g;
		snprintf(err->msg, sizeof(err->msg), "gnuplot not found at %.400s (MMREPLAY_GNUPLOT): install gnuplot-nox", g);
		return NULL;
	}
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, p);
		if (n && access(buf, X_OK) == 0)
			return "gnuplot";
		p = colon ? colon + 1 : NULL;
	}
	snprintf(err->msg, sizeof(err->msg), "gnuplot not found on PATH: install gnuplot-nox");
	return NULL;
}

int mmr_gnuplot_init(struct mmr_gnuplot *g, struct mmr_error *err)
{
	const char *env = getenv("MMREPLAY_PLOTS_DIR");
	g->scripts = env && *env ? env : MMR_PLOTS_DIR;
	if (!g->png && !g->svg)
		g->png = true;
	char probe[PATH_MAX];
	int n = snprintf(probe, sizeof(probe), "%s/common.gp", g->scripts);
	if (n < 0 || (size_t)n >= sizeof(probe) || access(probe, R_OK) != 0) {
		snprintf(err->msg, sizeof(err->msg), "no plot scripts in %.400s (common.gp missing): set MMREPLAY_PLOTS_DIR",
			 g->scripts);
		return -1;
	}
	return (g->binary = find_binary(err)) ? 0 : -1;
}

/* A growing text buffer for the -e argument. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *g = realloc(t->s, cap);
		if (!g) {
			t->oom = true;
			return;
		}
		t->s = g;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

/* 'VALUE' (its first N characters); a quote inside doubled, as gnuplot reads single-quoted strings. */
static void put_quoted(struct text *t, const char *value, size_t n)
{
	put(t, "'", 1);
	for (const char *q; (q = memchr(value, '\'', n)); n -= (size_t)(q + 1 - value), value = q + 1) {
		put(t, value, (size_t)(q - value));
		put(t, "''", 2);
	}
	put(t, value, n);
	put(t, "'", 1);
}

/* NAME='VALUE'; */
static void put_var(struct text *t, const char *name, const char *value)
{
	put(t, name, strlen(name));
	put(t, "=", 1);
	put_quoted(t, value, strlen(value));
	put(t, "; ", 2);
}

/*
 * title='LINE'."\n".'LINE'...; TITLE broken at spaces into lines that fit
 * the plot's width (one long line was cut off at both ends).
 */
static void put_title(struct text *t, const char *title)
{
	put(t, "title=", 6);
	for (bool first = true; first || *title; first = false) {
		size_t n = strlen(title);
		if (n > TITLE_WIDTH) {
			n = TITLE_WIDTH;
			while (n > TITLE_WIDTH / 2 && title[n] != ' ')
				n--;
			if (title[n] != ' ')
				for (n = TITLE_WIDTH; (title[n] & 0xc0) == 0x80; n--)
					; /* no space in the second half: cut the word, not a UTF-8 character */
		}
		if (!first)
			put(t, ".\"\\n\".", 6);
		put_quoted(t, title, n);
		title += n;
		title += *title == ' ';
	}
	put(t, "; ", 2);
}

/* Fork and wait for gnuplot.  Returns its exit status, or -1 (errno) when it could not run. */
static int run_child(const char *binary, const char *vars, const char *script)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		execlp(binary, binary, "-e", vars, script, (char *)NULL);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int mmr_gnuplot_draw(struct mmr_gnuplot *g, const char *script, const char *out, const char *title,
		     const struct mmr_gnuplot_var *vars, size_t nvars, struct mmr_error *err)
{
	char path[PATH_MAX], file[PATH_MAX + 8];
	int n = snprintf(path, sizeof(path), "%s/%s", g->scripts, script);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", g->scripts);
		return -1;
	}
	for (int svg = 0; svg < 2; svg++) {
		if (svg ? !g->svg : !g->png)
			continue;
		snprintf(file, sizeof(file), "%s.%s", out, svg ? "svg" : "png");
		struct text t = {0};
		put_var(&t, "dir", g->scripts);
		put_var(&t, "out", file);
		put_title(&t, title);
		put_var(&t, "term", svg ? "svg " PLOT_SIZE " dynamic font 'sans,11'" : "pngcairo " PLOT_SIZE " font 'sans,10'");
		for (size_t i = 0; i < nvars; i++)
			put_var(&t, vars[i].name, vars[i].value);
		if (t.oom) {
			free(t.s);
			snprintf(err->msg, sizeof(err->msg), "plot: out of memory");
			return -1;
		}
		int rc = run_child(g->binary, t.s, path);
		free(t.s);
		if (rc < 0) {
			snprintf(err->msg, sizeof(err->msg), "cannot run %.200s: %s", g->binary, strerror(errno));
			return -1;
		}
		if (rc != 0) {
			snprintf(err->msg, sizeof(err->msg), "%.100s failed on %.100s drawing %.250s (its message is above)",
				 g->binary, script, file);
			return -1;
		}
		g->made++;
	}
	return 0;
}

void rpt_dat_value(FILE *f, double v, bool *log_ok)
{
	fprintf(f, " %.4f", v);
	*log_ok &= !(v < 0.00005); /* printed as 0.0000; a NAN (left out by gnuplot) does not rule the log axis out */
}
