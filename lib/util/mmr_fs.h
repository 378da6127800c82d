/* SPDX-License-Identifier: MIT */
/*
 * mmr_fs.h - the file-system helpers every stage shares: making a results
 * or report directory, reading a file a user names (a results.json, a
 * plan, the family catalog) without hanging on a FIFO, and writing or
 * copying a file so that it is there whole or not at all.
 */
#ifndef MMR_FS_H
#define MMR_FS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * mkdir -p PATH: every missing directory on the way is made (mode 0777
 * less the umask); one that exists is fine.  Returns 0, or -1 with errno
 * set (ENAMETOOLONG for a path past 4095 bytes).
 */
int mmr_mkdir_p(const char *path);

/*
 * fopen PATH (for reading, MODE "r" or "rb") if it is a regular file: a
 * FIFO would block the open, and whatever reads it after.  NULL with errno
 * (EINVAL: not a regular file) otherwise.
 */
FILE *mmr_open_regular(const char *path, const char *mode);

/*
 * The whole of regular file PATH, NUL-terminated (free() it).  NULL with
 * errno: the open's, EIO for a read error, ENOMEM.
 */
char *mmr_slurp(const char *path);

/*
 * Write TEXT to PATH whole or not at all: into PATH.PID.tmp (the writer's
 * own name, so two writers never share one), flushed to disk, given MODE
 * whatever the umask, then renamed into place.  What reads PATH sees the
 * old file or the new one, never half of one: a results.json there means
 * its replay finished.  Returns 0, or -1 with errno, the temporary removed.
 */
int mmr_write_atomic(const char *path, const char *text, unsigned mode);

/*
 * Copy regular file SRC to DST the same way: a reflink where the file
 * system has them (no space until one changes), else the bytes, into
 * DST.PID.tmp renamed into place.  Never a hard link: a file rewritten in
 * place would change the copy.  Returns 0, or -1 with errno.
 */
int mmr_copy_atomic(const char *src, const char *dst);

#ifdef __cplusplus
}
#endif

#endif /* MMR_FS_H */
