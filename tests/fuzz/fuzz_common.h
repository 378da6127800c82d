/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.h - what the fuzz targets of tests/fuzz share: a private
 * scratch directory for the files the libraries want, the .mmr checksum
 * repair that lets a mutated trace reach the decoder, the read-back of a
 * trace through the reader and the statistics, and the decoding of fuzz
 * bytes into allocator events (and its inverse, for seeds).
 *
 * Every target is also linked, in normal builds, with standalone.c instead
 * of libFuzzer, so that ctest replays the reproducers in tests/fuzz/corpus/
 * with gcc and its sanitizers (docs/fuzzing.md).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmr_capture.h"
#include "mmr_trace.h"

/* libFuzzer's entry points, defined by each target. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A harness failure, not a finding in the code under test (the scratch
 * directory cannot be written): say so and exit, so that no crash
 * artifact blames the input.
 */
_Noreturn void fz_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An oracle failed: the code under test did something it promises not to.  Aborts (a finding). */
_Noreturn void fz_finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * NAME's path, written into BUF, in this process's scratch directory:
 * created on first use under /dev/shm (no disk I/O per input) or TMPDIR,
 * removed at exit.  Returns BUF.
 */
const char *fz_path(char *buf, size_t len, const char *name);

/* Write DATA to PATH, replacing it.  Harness failures are fatal. */
void fz_write_file(const char *path, const void *data, size_t len);

/* Remove PATH and, when a directory, everything under it. */
void fz_remove(const char *path);

/* A stream that discards what is written: the text reports' sink. */
FILE *fz_null(void);

/*
 * When MMR_FUZZ_SAVE names a file, copy PATH there: what a target made of
 * its input (the repaired .mmr, the decoded trace), for `mmreplay dump`.
 */
void fz_save(const char *path);

/*
 * Make the checksums of the .mmr image BUF right (header, every block
 * found by walking the stored sizes, footer), so that a mutation reaches
 * the checks behind them instead of the first checksum.  Returns whether
 * anything was changed.
 */
bool fz_mmr_fix_sums(uint8_t *buf, size_t len);

/*
 * Read the trace at PATH as every consumer does: open, each block in turn,
 * names of sites and tasks, then statistics, their JSON (which must parse)
 * and their text report.  Returns the events read, or -1 when the reader
 * refused the file or a block.  A refusal is fine, unless MUST_OPEN (a
 * file the writer just closed): then it is a finding.
 */
int64_t fz_consume_trace(const char *path, bool must_open);

/* An importer: capture/cap_internal.h's cap_import_perf and its kind. */
typedef int (*fz_importer)(const char *in, const char *out, struct mmr_import_summary *sum,
			   struct mmr_error *err);

/*
 * Write DATA as the file NAME and import it with IMPORT.  An import that
 * succeeds must leave a trace that reads back whole with as many events as
 * it says it wrote; one that fails must leave no output (docs/cli.md).
 */
void fz_import(const uint8_t *data, size_t size, const char *name, fz_importer import);

/* ---- fuzz bytes as events (fuzz_replay.c; the seed tool) ---------------- */

/* Bytes being decoded; past the end every read is 0. */
struct fz_cursor {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz_cursor *c);
uint64_t fz_u64(struct fz_cursor *c);

/* What decoding an event may refer back to: the previous event. */
struct fz_evstate {
	struct mmr_event prev;
	uint32_t families; /* (1 << family) the chosen engine replays: most events are of these */
};

/*
 * The next event from C (docs/fuzzing.md, "The replay target's input"):
 * nine selector bytes, each choosing from a small table of extremes and
 * small ids, or taking a raw value that follows.  Returns false when C
 * is exhausted.
 */
bool fz_decode_event(struct fz_cursor *c, struct fz_evstate *st, struct mmr_event *ev);

/*
 * Write the N events EV as the trace PATH (OPTS may be NULL), its CPU
 * count the highest CPU's plus one.  Returns N; nothing is written when N
 * is 0.  A writer refusing an event is a finding.
 */
size_t fz_write_events(const char *path, const struct mmr_event *ev, size_t n, const struct mmr_writer_opts *opts);

/* Bytes that decode to EV exactly, raw fields throughout, appended to F.  Returns 0 or -1. */
int fz_encode_event(FILE *f, const struct mmr_event *ev);

#endif /* FUZZ_COMMON_H */
