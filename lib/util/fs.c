/* SPDX-License-Identifier: MIT */
/*
 * fs.c - mkdir -p, for the replay's results and the reports' directories;
 * reading a named file whole, refusing what is not a regular file; and
 * writing or copying through a temporary name renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* PATH's temporary name, the writer's own, into TMP (LEN bytes).  0, or -1 with errno. */
static int tmp_name(const char *path, char *tmp, size_t len)
{
	int n = snprintf(tmp, len, "%s.%ld.tmp", path, (long)getpid());
	return n < 0 || (size_t)n >= len ? (errno = ENAMETOOLONG, -1) : 0;
}

/* Close FD (holding TMP) and rename TMP to PATH if OK so far; else, or on failure, remove TMP.  0, or -1 with errno. */
static int tmp_finish(int fd, const char *tmp, const char *path, bool ok)
{
	int e = ok ? 0 : errno;
	if (fd >= 0 && close(fd) != 0 && ok)
		ok = false, e = errno;
	if (ok && rename(tmp, path) != 0)
		ok = false, e = errno;
	if (ok)
		return 0;
	unlink(tmp);
	errno = e ? e : EIO;
	return -1;
}

int mmr_write_atomic(const char *path, const char *text, unsigned mode)
{
	char tmp[4200];
	if (tmp_name(path, tmp, sizeof(tmp)))
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	bool ok = true;
	for (size_t at = 0; ok && at < len;) {
		ssize_t w = write(fd, text + at, len - at);
		ok = w > 0 || (w < 0 && errno == EINTR);
		at += w > 0 ? (size_t)w : 0;
	}
	/* The mode as asked, whatever the umask (a script is to be executable); on disk before the name. */
	ok = ok && fchmod(fd, (mode_t)mode) == 0 && fsync(fd) == 0;
	return tmp_finish(fd, tmp, path, ok);
}

int mmr_copy_atomic(const char *src, const char *dst)
{
	char tmp[4200], buf[1 << 16];
	if (tmp_name(dst, tmp, sizeof(tmp)))
		return -1;
	FILE *in = mmr_open_regular(src, "rb");
	if (!in)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0, cloned = ok && ioctl(fd, FICLONE, fileno(in)) == 0;
	for (size_t n; ok && !cloned && (n = fread(buf, 1, sizeof(buf), in)) > 0;)
		for (size_t at = 0; ok && at < n;) {
			ssize_t w = write(fd, buf + at, n - at);
			ok = w > 0 || (w < 0 && errno == EINTR);
			at += w > 0 ? (size_t)w : 0;
		}
	if (ok && !cloned && ferror(in))
		ok = false, errno = EIO;
	int e = errno;
	fclose(in);
	errno = e;
	if (fd < 0)
		return -1;
	return tmp_finish(fd, tmp, dst, ok);
}
