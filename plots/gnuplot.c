/* SPDX-License-Identifier: MIT */
/*
 * gnuplot.c - finding gnuplot and the plot scripts, running one script per
 * plot, and how names and figures are written into the tables it reads.
 *
 * Nothing a user or a file names may reach gnuplot as a command.  Values
 * go in through gnuplot -e as single-quoted strings, where gnuplot expands
 * nothing (no backquotes, no macros, no escapes) and a quote is doubled;
 * a path gnuplot opens starts with '/' or './', because a file name
 * starting with '<' is a command gnuplot reads from and one starting with
 * '|' (for set output) a command it writes to; and the names in a table
 * are quoted strings gnuplot only prints (rpt_dat_label).  gnuplot's own
 * messages are caught: a failure is one line, its last error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmr_install.h"
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
	/* The environment, else an install's own scripts (found from the binary), else this build's. */
	static char installed[PATH_MAX];
	if (env && *env)
		g->scripts = env;
	else if (installed[0] || mmr_install_path(MMR_INSTALL_DATADIR "/plots", installed, sizeof(installed)) == 0)
		g->scripts = installed;
	else
		g->scripts = MMR_PLOTS_DIR;
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

/* NAME='VALUE'; a PATH made one gnuplot cannot read as a command. */
static void put_var(struct text *t, const char *name, const char *value, bool path)
{
	put(t, name, strlen(name));
	put(t, "=", 1);
	if (path && value[0] != '/') {
		struct text rel = {0};
		put(&rel, "./", 2);
		put(&rel, value, strlen(value));
		put_quoted(t, rel.oom ? "" : rel.s, rel.oom ? 0 : rel.len);
		t->oom |= rel.oom;
		free(rel.s);
	} else {
		put_quoted(t, value, strlen(value));
	}
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

/* The tail of what the child says on FD (a pipe), up to its end, in BUF[0..N) as a string. */
static void read_tail(int fd, char *buf, size_t n)
{
	size_t len = 0;
	for (;;) {
		if (len == n - 1) {
			/* Keep the second half: gnuplot's error is its last word. */
			memmove(buf, buf + len / 2, len - len / 2);
			len -= len / 2;
		}
		ssize_t r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
}

/*
 * Fork and wait for gnuplot, its stderr caught in MSG (N bytes).  Returns
 * its exit status, or -1 (errno) when it could not run.
 */
static int run_child(const char *binary, const char *vars, const char *script, char *msg, size_t n)
{
	int fds[2];
	fflush(stdout);
	fflush(stderr);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		execlp(binary, binary, "-e", vars, script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	msg[0] = '\0';
	if (pid > 0)
		read_tail(fds[0], msg, n);
	close(fds[0]);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * gnuplot's error in MSG, as one line: the last line that names a script
 * line and is not a warning ('"cmp_bars.gp" line 18: No valid points'),
 * else the last line that is not empty.
 */
static const char *last_error(char *msg)
{
	const char *best = NULL, *last = NULL;
	for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n")) {
		line[strcspn(line, "\r")] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			continue;
		last = line;
		if (strstr(line, " line ") && !strstr(line, "warning:"))
			best = line;
	}
	return best ? best : last ? last : "(no message)";
}

int mmr_gnuplot_draw(struct mmr_gnuplot *g, const char *script, const char *out, const char *title,
		     const struct mmr_gnuplot_var *vars, size_t nvars, struct mmr_error *err)
{
	char path[PATH_MAX + 2], file[PATH_MAX + 8], msg[4096];
	int n = snprintf(path, sizeof(path), "%s%s/%s", g->scripts[0] == '/' ? "" : "./", g->scripts, script);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", g->scripts);
		return -1;
	}
	for (int svg = 0; svg < 2; svg++) {
		if (svg ? !g->svg : !g->png)
			continue;
		snprintf(file, sizeof(file), "%s.%s", out, svg ? "svg" : "png");
		/*
		 * A plot is replaced, never written through: plot writes beside the
		 * data, in a directory that may come from anyone, where a symlink
		 * of this name would have gnuplot overwrite its target, and a FIFO
		 * would hang it.
		 */
		if (unlink(file) != 0 && errno != ENOENT) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: cannot replace: %s", file, strerror(errno));
			return -1;
		}
		struct text t = {0};
		put_var(&t, "dir", g->scripts, true);
		put_var(&t, "out", file, true);
		put_title(&t, title);
		put_var(&t, "term", svg ? "svg " PLOT_SIZE " dynamic font 'sans,11'" : "pngcairo " PLOT_SIZE " font 'sans,10'",
			false);
		for (size_t i = 0; i < nvars; i++)
			put_var(&t, vars[i].name, vars[i].value, vars[i].path);
		if (t.oom) {
			free(t.s);
			snprintf(err->msg, sizeof(err->msg), "plot: out of memory");
			return -1;
		}
		int rc = run_child(g->binary, t.s, path, msg, sizeof(msg));
		free(t.s);
		if (rc < 0) {
			snprintf(err->msg, sizeof(err->msg), "cannot run %.200s: %s", g->binary, strerror(errno));
			return -1;
		}
		if (rc != 0) {
			snprintf(err->msg, sizeof(err->msg), "%.80s failed on %.40s drawing %.200s: %.150s", g->binary,
				 script, file, last_error(msg));
			return -1;
		}
		g->made++;
	}
	return 0;
}

char rpt_dat_label_char(char c)
{
	return c == '"' ? '\'' : (unsigned char)c < 0x20 || c == 0x7f ? ' ' : c;
}

void rpt_dat_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(rpt_dat_label_char(*s), f);
	fputc('"', f);
}

void rpt_dat_value(FILE *f, double v, bool *log_ok)
{
	fprintf(f, " %.4f", v);
	*log_ok &= !(v < 0.00005); /* printed as 0.0000; a NAN (left out by gnuplot) does not rule the log axis out */
}
