/* SPDX-License-Identifier: MIT */
/*
 * fs.c - mkdir -p, for the replay's results and the reports' directories;
 * and reading a named file whole, refusing what is not a regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

FILE *mmr_open_regular(const char *path, const char *mode)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	int e = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
	if (e) {
		close(fd);
		errno = e;
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	FILE *f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

char *mmr_slurp(const char *path)
{
	FILE *f = mmr_open_regular(path, "r");
	if (!f)
		return NULL;
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len - 1, f);
		if (len < cap - 1)
			break;
		char *g = realloc(buf, cap *= 2);
		if (!g) {
			free(buf);
			buf = NULL;
		} else {
			buf = g;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (buf && bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	if (buf)
		buf[len] = '\0';
	else
		errno = ENOMEM;
	return buf;
}
