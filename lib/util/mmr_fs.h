/* SPDX-License-Identifier: MIT */
/*
 * mmr_fs.h - the one file-system helper every stage that writes a results
 * or report directory needs.
 */
#ifndef MMR_FS_H
#define MMR_FS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * mkdir -p PATH: every missing directory on the way is made (mode 0777
 * less the umask); one that exists is fine.  Returns 0, or -1 with errno
 * set (ENAMETOOLONG for a path past 4095 bytes).
 */
int mmr_mkdir_p(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* MMR_FS_H */
