/* SPDX-License-Identifier: MIT */
/*
 * mmr_install.h - an installed mmreplay's own directories, found from the
 * running binary (PREFIX/bin/mmreplay), so that the install tree is
 * relocatable.  The environment variables (MMREPLAY_ENGINE_PATH,
 * MMREPLAY_PLOTS_DIR, MMREPLAY_TRACES_DIR) still come first; the build
 * tree, which has no such layout, keeps its compiled-in paths.
 */
#ifndef MMR_INSTALL_H
#define MMR_INSTALL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The install prefix of the running binary into BUF (N bytes): the
 * directory above the one it runs from, when that is the install's bin
 * directory.  Returns 0, or -1 when the binary is not in an install's bin
 * (the build tree, a test) or the path does not fit.
 */
int mmr_install_prefix(char *buf, size_t n);

/*
 * PREFIX/REL into BUF (N bytes) when the binary runs from an install and
 * that directory exists.  Returns 0, or -1 (not installed, no such
 * directory, too long).
 */
int mmr_install_path(const char *rel, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MMR_INSTALL_H */
