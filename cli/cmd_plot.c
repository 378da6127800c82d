/* SPDX-License-Identifier: MIT */
/*
 * cmd_plot.c - `mmreplay plot RESULTS_DIR`: the replay's .dat files drawn
 * by gnuplot.  The plots themselves are gnuplot scripts in plots/, one per
 * kind, readable and changeable without a rebuild; this file only finds
 * the data, names the files and runs gnuplot once per plot.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "mmr_trace.h"

static const char plot_help[] =
	"usage: mmreplay plot RESULTS_DIR [-o DIR] [--format png|svg|both]\n"
	"\n"
	"Draw the results of `mmreplay replay` with gnuplot: per op, the latency\n"
	"histogram, the percentile spectrum (to p99.99) and the CDF; per engine,\n"
	"lock contention.  RESULTS_DIR is one engine's results (it holds\n"
	"results.json) or the -o directory of a replay (one such directory per\n"
	"engine).  Plots go beside the data, or into DIR/ENGINE with -o.\n"
	"\n"
	"  -o, --output DIR       write the plots under DIR\n"
	"  -f, --format FORMAT    png (default), svg or both\n"
	"  -h, --help             show this help\n"
	"\n"
	"Needs gnuplot (Debian: gnuplot-nox); MMREPLAY_GNUPLOT names another\n"
	"binary, MMREPLAY_PLOTS_DIR another directory of plot scripts.\n";

#define PLOT_SIZE "size 900,560"

/* BUF = A "/" B; false when it does not fit (a path past PATH_MAX). */
static bool path_join(char *buf, size_t n, const char *a, const char *b)
{
	int len = snprintf(buf, n, "%s/%s", a, b);
	return len >= 0 && (size_t)len < n;
}

struct plot_job {
	const char *gnuplot, *scripts;
	bool png, svg;
	unsigned made;
};

/* Append S to the gnuplot -e text at *P, single-quoted (a quote inside doubled). */
static void quoted(char **p, const char *end, const char *s)
{
	if (*p < end)
		*(*p)++ = '\'';
	for (; *s && *p + 2 < end; s++) {
		if (*s == '\'')
			*(*p)++ = '\'';
		*(*p)++ = *s;
	}
	if (*p < end)
		*(*p)++ = '\'';
}

/* Run SCRIPT on DATA into OUT (without extension) in each format.  Returns 0, or CLI_FAIL. */
static int run_gnuplot(struct plot_job *j, const char *script, const char *data, const char *out, const char *title)
{
	for (int svg = 0; svg < 2; svg++) {
		if (svg ? !j->svg : !j->png)
			continue;
		char file[PATH_MAX + 8], path[PATH_MAX], vars[5 * PATH_MAX], *p = vars, *end = vars + sizeof(vars) - 1;
		snprintf(file, sizeof(file), "%s.%s", out, svg ? "svg" : "png");
		if (!path_join(path, sizeof(path), j->scripts, script))
			return cli_fail("plot", "%s: path too long", j->scripts);
		const char *names[] = {"dir", "data", "out", "title", "term"};
		const char *values[] = {j->scripts, data, file, title,
					svg ? "svg " PLOT_SIZE " dynamic font 'sans,11'" : "pngcairo " PLOT_SIZE " font 'sans,10'"};
		for (int v = 0; v < 5; v++) {
			p += snprintf(p, (size_t)(end - p), "%s%s=", v ? "; " : "", names[v]);
			quoted(&p, end, values[v]);
		}
		*p = '\0';
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			execlp(j->gnuplot, j->gnuplot, "-e", vars, path, (char *)NULL);
			_exit(127);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			return cli_fail("plot", "cannot run %s: %s", j->gnuplot, strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return cli_fail("plot", "%s failed on %s drawing %s (its message is above)", j->gnuplot, script, file);
		j->made++;
	}
	return 0;
}

/* The title every plot of DIR carries, from its results.json; -1 with a message when unreadable. */
static int read_title(const char *dir, char *title, size_t n, char *engine, size_t en)
{
	char path[PATH_MAX];
	FILE *f = path_join(path, sizeof(path), dir, "results.json") ? fopen(path, "r") : NULL;
	if (!f)
		return cli_fail("plot", "%s: cannot read: %s", path, strerror(errno));
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	cJSON *d = cJSON_Parse(buf);
	const cJSON *e = cJSON_GetObjectItem(d, "engine"), *t = cJSON_GetObjectItem(d, "trace");
	const cJSON *th = cJSON_GetObjectItem(d, "threads"), *cpus = cJSON_GetObjectItem(d, "online_cpus");
	if (!cJSON_IsString(e) || !cJSON_IsString(t) || !cJSON_IsNumber(th) || !cJSON_IsNumber(cpus)) {
		cJSON_Delete(d);
		return cli_fail("plot", "%s: not a replay's results (engine, trace, threads or online_cpus missing)", path);
	}
	const char *base = strrchr(t->valuestring, '/');
	snprintf(title, n, "%s, trace %s, %d threads on %d CPUs", e->valuestring, base ? base + 1 : t->valuestring,
		 th->valueint, cpus->valueint);
	snprintf(engine, en, "%s", e->valuestring);
	cJSON_Delete(d);
	return 0;
}

static bool has_rows(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool rows = false;
	while (f && !rows && fgets(line, sizeof(line), f))
		rows = line[0] != '#' && line[0] != '\n';
	if (f)
		fclose(f);
	return rows;
}

/* Every plot of one engine's results DIR, into OUTDIR. */
static int plot_engine(struct plot_job *j, const char *dir, const char *outdir)
{
	char title[1024], engine[256], data[PATH_MAX], out[PATH_MAX], t[1280];
	int rc = read_title(dir, title, sizeof(title), engine, sizeof(engine));
	if (rc)
		return rc;
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
		return cli_fail("plot", "%s: cannot create: %s", outdir, strerror(errno));
	static const struct {
		const char *script, *file, *what;
	} kinds[] = {
		{"hist.gp", "hist", "latency histogram"},
		{"percentiles.gp", "percentiles", "percentile spectrum"},
		{"cdf.gp", "hist", "latency CDF"},
	};
	static const char *const plot_names[] = {"hist", "percentiles", "cdf"};
	for (unsigned op = 0; op < MMR_OP_COUNT && !rc; op++)
		for (unsigned k = 0; k < 3 && !rc; k++) {
			char name[64];
			snprintf(name, sizeof(name), "%s_%s.dat", kinds[k].file, mmr_op_name(op));
			if (!path_join(data, sizeof(data), dir, name) || !has_rows(data))
				continue;
			snprintf(name, sizeof(name), "plot_%s_%s", plot_names[k], mmr_op_name(op));
			if (!path_join(out, sizeof(out), outdir, name))
				return cli_fail("plot", "%s: path too long", outdir);
			snprintf(t, sizeof(t), "%s %s: %s", mmr_op_name(op), kinds[k].what, title);
			rc = run_gnuplot(j, kinds[k].script, data, out, t);
		}
	if (!rc && path_join(data, sizeof(data), dir, "locks.dat") && has_rows(data)) {
		if (!path_join(out, sizeof(out), outdir, "plot_locks"))
			return cli_fail("plot", "%s: path too long", outdir);
		snprintf(t, sizeof(t), "lock contention: %s", title);
		rc = run_gnuplot(j, "locks.gp", data, out, t);
	}
	return rc;
}

/* Whether DIR holds one engine's results. */
static bool is_results(const char *dir)
{
	char path[PATH_MAX];
	return path_join(path, sizeof(path), dir, "results.json") && access(path, R_OK) == 0;
}

/* Where gnuplot is: MMREPLAY_GNUPLOT, else "gnuplot" on PATH; NULL with a message when none. */
static const char *find_gnuplot(void)
{
	const char *g = getenv("MMREPLAY_GNUPLOT");
	if (g && *g) {
		if (access(g, X_OK) == 0)
			return g;
		cli_fail("plot", "gnuplot not found at %s (MMREPLAY_GNUPLOT): install gnuplot-nox", g);
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
	cli_fail("plot", "gnuplot not found on PATH: install gnuplot-nox");
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The engine results under DIR (DIR itself, or its subdirectories), sorted; *N of them. */
static char **results_dirs(const char *dir, size_t *n)
{
	char **v = NULL;
	*n = 0;
	if (is_results(dir)) {
		v = malloc(sizeof(*v));
		if (v && (v[0] = strdup(dir)))
			*n = 1;
		return v;
	}
	char path[PATH_MAX];
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !path_join(path, sizeof(path), dir, de->d_name) || !is_results(path))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **g = realloc(v, cap * sizeof(*g));
			if (!g)
				break;
			v = g;
		}
		if ((v[*n] = strdup(path)))
			(*n)++;
	}
	if (d)
		closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

static int plot_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true;
	const char *outdir = NULL, *format = "png";
	int c;
	while ((c = cli_getopt("plot", argc, argv, "o:f:h", longopts, &first)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return cli_print_help(&cli_cmd_plot);
		default: return CLI_USAGE;
		}
	}
	struct plot_job j = {.png = !strcmp(format, "png") || !strcmp(format, "both"),
			     .svg = !strcmp(format, "svg") || !strcmp(format, "both")};
	if (!j.png && !j.svg)
		return cli_usage("plot", "bad format '%s': png, svg or both", format);
	if (optind >= argc)
		return cli_usage("plot", "no results directory given");
	if (argc - optind > 1)
		return cli_usage("plot", "one results directory at a time: unexpected '%s'", argv[optind + 1]);
	const char *dir = argv[optind];
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_usage("plot", "'%s' is not a directory", dir);
	j.scripts = getenv("MMREPLAY_PLOTS_DIR") && *getenv("MMREPLAY_PLOTS_DIR") ? getenv("MMREPLAY_PLOTS_DIR") : MMR_PLOTS_DIR;
	char probe[PATH_MAX];
	if (!path_join(probe, sizeof(probe), j.scripts, "common.gp") || access(probe, R_OK) != 0)
		return cli_fail("plot", "no plot scripts in %s (common.gp missing): set MMREPLAY_PLOTS_DIR", j.scripts);
	if (!(j.gnuplot = find_gnuplot()))
		return CLI_FAIL;
	size_t n;
	char **dirs = results_dirs(dir, &n);
	int rc = n ? 0 : cli_fail("plot", "%s: no results.json in it or in its subdirectories", dir);
	if (outdir && !rc && mkdir(outdir, 0777) != 0 && errno != EEXIST)
		rc = cli_fail("plot", "%s: cannot create: %s", outdir, strerror(errno));
	for (size_t i = 0; i < n && !rc; i++) {
		char out[PATH_MAX];
		const char *base = strrchr(dirs[i], '/');
		if (!path_join(out, sizeof(out), outdir ? outdir : dirs[i], outdir ? (base ? base + 1 : dirs[i]) : "."))
			rc = cli_fail("plot", "%s: path too long", outdir ? outdir : dirs[i]);
		else
			rc = plot_engine(&j, dirs[i], out);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	if (!rc)
		printf("%u plots of %zu engine%s written\n", j.made, n, n == 1 ? "" : "s");
	return rc;
}

const struct cli_cmd cli_cmd_plot = {
	.name = "plot",
	.summary = "draw a replay's results with gnuplot",
	.help = plot_help,
	.run = plot_run,
};
