/* SPDX-License-Identifier: MIT */
/*
 * parts.c - a long capture as a directory of parts (capture --max-size):
 * each part a complete .mmr trace, named by its number so that name order
 * is capture order, which is how the reader takes the directory as one
 * trace.  With --rotate only the newest parts stay, so a capture that runs
 * for hours keeps going in bounded disk.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cap_internal.h"

/* True when DIR holds a .mmr file: another capture's parts, which would read as ours. */
static bool holds_traces(const char *dir)
{
	DIR *d = opendir(dir);
	bool found = false;
	for (struct dirent *e = d ? readdir(d) : NULL; e && !found; e = readdir(d)) {
		size_t n = strlen(e->d_name);
		found = n > 4 && strcmp(e->d_name + n - 4, ".mmr") == 0;
	}
	if (d)
		closedir(d);
	return found;
}

int cap_parts_open(struct cap_parts *p, const char *dir, unsigned keep, struct mmr_error *err)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	p->keep = keep;
	struct stat st;
	if (mkdir(dir, 0777) == 0)
		p->created = true;
	else if (errno != EEXIST) {
		snprintf(err->msg, sizeof(err->msg), "%s: cannot create the directory for the parts: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%s: not a directory: with --max-size, -o names the "
			 "directory the parts go to", dir);
		return -1;
	}
	if (holds_traces(dir)) {
		snprintf(err->msg, sizeof(err->msg), "%s: already holds .mmr files; the parts of a capture "
			 "need a directory of their own (it is read as one trace)", dir);
		return -1;
	}
	return cap_parts_next(p, err);
}

/* PATH (room N) of part NUMBER of P. */
static void part_path(const struct cap_parts *p, unsigned number, char *path, size_t n)
{
	snprintf(path, n, "%s/%06u.mmr", p->dir, number);
}

int cap_parts_next(struct cap_parts *p, struct mmr_error *err)
{
	if (p->number == 999999) {
		snprintf(err->msg, sizeof(err->msg), "%s: a millionth part: raise --max-size", p->dir);
		return -1;
	}
	p->number++;
	part_path(p, p->number, p->path, sizeof(p->path));
	if (strlen(p->path) + 1 >= sizeof(p->path)) {
		snprintf(err->msg, sizeof(err->msg), "%s: the directory's name is too long", p->dir);
		return -1;
	}
	return 0;
}

int cap_parts_trim(struct cap_parts *p, FILE *log)
{
	if (!p->keep || p->number <= p->keep)
		return 0;
	char old[sizeof(p->path)];
	part_path(p, p->number - p->keep, old, sizeof(old));
	if (unlink(old) != 0 && errno != ENOENT) {
		fprintf(log, "mmreplay capture: warning: cannot remove the old part %s: %s\n", old,
			strerror(errno));
		return -1;
	}
	p->removed++;
	return 0;
}
