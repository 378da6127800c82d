/* SPDX-License-Identifier: MIT */
/*
 * fs.c - mkdir -p, for the replay's results and the reports' directories.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "mmr_fs.h"

int mmr_mkdir_p(const char *path)
{
	char tmp[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* The parents first; a failure there shows again, with its errno, at PATH itself. */
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0777);
		*p = '/';
	}
	return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}
