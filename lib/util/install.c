/* SPDX-License-Identifier: MIT */
/*
 * install.c - where an installed mmreplay finds its engines, plot scripts
 * and bundled traces: beside its own binary, so that an install tree can
 * be moved (a relocatable prefix, a .deb unpacked anywhere) and still
 * work.  The build tree has no such layout and keeps its compiled-in
 * paths: these return nothing there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmr_install.h"

#ifndef MMR_INSTALL_BINDIR
#define MMR_INSTALL_BINDIR "bin"
#endif

int mmr_install_prefix(char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -1;
	exe[len] = '\0';
	/* PREFIX/BINDIR/mmreplay: strip the file, then BINDIR; anything else is not an install. */
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	size_t dir = strlen(exe), bin = strlen(MMR_INSTALL_BINDIR);
	if (dir <= bin || strcmp(exe + dir - bin, MMR_INSTALL_BINDIR) || exe[dir - bin - 1] != '/')
		return -1;
	exe[dir - bin - 1] = '\0';
	int w = snprintf(buf, n, "%s", exe[0] ? exe : "/");
	return w > 0 && (size_t)w < n ? 0 : -1;
}

int mmr_install_path(const char *rel, char *buf, size_t n)
{
	char prefix[PATH_MAX];
	struct stat st;
	if (mmr_install_prefix(prefix, sizeof(prefix)))
		return -1;
	int w = snprintf(buf, n, "%s/%s", strcmp(prefix, "/") ? prefix : "", rel);
	if (w <= 0 || (size_t)w >= n || stat(buf, &st) || !S_ISDIR(st.st_mode))
		return -1;
	return 0;
}
