/* SPDX-License-Identifier: MIT */
/*
 * fuzz_results.c - the results.json reader behind compare and plot
 * (plots/results.c, results_series.c), the tables gnuplot would read,
 * derived from it (plots/dat.c), and the comparison report built from
 * what it reads (plots/compare.c, report*.c, signif.c, index.c), without
 * gnuplot: mmr_compare with plots off builds and writes report.md and
 * report.html and draws nothing.
 *
 * The input is a results.json; a form feed (0x0c, never in JSON outside a
 * string's escapes) splits off a second one.  Without a second, the
 * second engine is the first with another name, so that the comparison
 * always has its two engines of one trace.  The verdicts then go into an
 * index page (mmr_index_write).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "mmr_report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* DIR/results.json with LEN bytes of DATA, DIR created. */
static void write_results(const char *dir, const void *data, size_t len)
{
	char path[600];
	if (mkdir(dir, 0700) && access(dir, F_OK))
		fz_fatal("cannot make %s", dir);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	fz_write_file(path, data, len);
}

/* The second engine when the input has one results.json: the first under another name. */
static void write_twin(const char *dir, const uint8_t *data, size_t len)
{
	char *text = strndup((const char *)data, len);
	cJSON *d = text ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(d, "engine");
	char name[128];
	snprintf(name, sizeof(name), "%.60s-twin", cJSON_IsString(e) ? e->valuestring : "");
	cJSON_ReplaceItemInObjectCaseSensitive(d, "engine", cJSON_CreateString(name));
	char *out = d ? cJSON_PrintUnformatted(d) : NULL;
	if (out)
		write_results(dir, out, strlen(out));
	free(out);
	cJSON_Delete(d);
}

/* Every table plot would derive from R, into DIR (what gnuplot would be given). */
static void tables(const struct mmr_results *r, const char *dir)
{
	struct mmr_error err;
	for (unsigned t = 0; t < MMR_DAT_COUNT; t++)
		for (unsigned op = 0; op < (t <= MMR_DAT_PERCENTILES ? MMR_OP_COUNT : 1); op++)
			(void)mmr_dat_write(r, (enum mmr_dat)t, op, dir, &err);
}

static void report(const char *root, const char *outdir)
{
	struct mmr_error err;
	struct mmr_compare_result res;
	const char *dirs[] = {root};
	struct mmr_compare_opts o = {.dirs = dirs, .ndirs = 1, .outdir = outdir, .plots = false, .warn = fz_null()};
	if (mmr_compare(&o, &res, &err))
		return;
	struct mmr_index_entry entry = {.heading = "fuzz", .href = "report.html", .label = "report",
					.verdicts = res.verdicts, .nverdicts = res.nverdicts};
	struct mmr_index_opts io = {.outdir = outdir, .title = res.trace, .entries = &entry, .n = 1, .top = 3};
	(void)mmr_index_write(&io, &err);
	mmr_compare_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char root[512], a[600], b[600], outdir[512];
	const uint8_t *ff = memchr(data, '\f', size);
	size_t alen = ff ? (size_t)(ff - data) : size;
	struct mmr_results r;
	struct mmr_error err;
	fz_path(root, sizeof(root), "results");
	fz_path(outdir, sizeof(outdir), "report");
	if (mkdir(root, 0700) && access(root, F_OK))
		fz_fatal("cannot make %s", root);
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	write_results(a, data, alen);
	if (mmr_results_load(a, &r, &err) == 0) {
		(void)mmr_results_trace_name(&r);
		tables(&r, root);
		mmr_results_free(&r);
		if (ff)
			write_results(b, ff + 1, size - alen - 1);
		else
			write_twin(b, data, alen);
		report(root, outdir);
	}
	fz_remove(root);
	fz_remove(outdir);
	return 0;
}
