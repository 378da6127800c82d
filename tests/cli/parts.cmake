# ---- a capture in parts (capture --max-size) -------------------------------
# Included from CMakeLists.txt.  The options are refused before any capture
# starts, so these need no root; the live rotation is capture.live.rotate.
mmr_cli_test(capture_max_size_small RC 2 ONE_LINE
  STDERR "^mmreplay capture: bad size '1K' for --max-size: expected bytes \\(at least 4096\\), or a number with K, M or G ${HINT}"
  ABSENT d ARGS capture -o d --max-size 1K -d 0.1)
mmr_cli_test(capture_max_size_suffix RC 2 ONE_LINE STDERR "^mmreplay capture: bad size '10X' for --max-size"
  ABSENT d ARGS capture -o d --max-size 10X -d 0.1)
mmr_cli_test(capture_max_size_overflow RC 2 ONE_LINE STDERR "^mmreplay capture: bad size '99999999999999G' for --max-size"
  ABSENT d ARGS capture -o d --max-size 99999999999999G -d 0.1)
mmr_cli_test(capture_rotate_alone RC 2 ONE_LINE
  STDERR "^mmreplay capture: --rotate needs --max-size: it counts the parts that size makes ${HINT}"
  ABSENT d ARGS capture -o d --rotate 3 -d 0.1)
mmr_cli_test(capture_max_size_dat RC 2 ONE_LINE
  STDERR "^mmreplay capture: --trace-dat and --max-size exclude each other"
  ABSENT d ARGS capture -o d --max-size 1M -t d.dat -d 0.1)

# A directory of parts is one trace to every reader: one part reads as the file it is.
set(PARTS_SETUP "mkdir d && cp ${FSWALK} d/000001.mmr && echo notes > d/readme.txt")
mmr_cli_test(parts_stats_one RC 0 SETUP "${PARTS_SETUP}" ARGS stats --json d
  CHECK "\$MMREPLAY stats --json ${FSWALK} > file.json && json stdout.txt \"d['events'] == __import__('json').load(open('file.json'))['events'] > 100000\"")
mmr_cli_test(parts_dump_one RC 0 SETUP "${PARTS_SETUP}" ARGS dump d
  CHECK "\$MMREPLAY dump ${FSWALK} | cmp -s - stdout.txt")
mmr_cli_test(parts_replay_one RC 0 SETUP "${PARTS_SETUP}" ARGS replay d -e null -t 1 -r 1 -o out
  CHECK "json out/null/results.json \"d['trace_events'] > 100000 and d['trace'] == 'd'\"")
mmr_cli_test(parts_empty RC 1 ONE_LINE STDERR "^mmreplay stats: d: offset 0: a directory with no .mmr file in it, not a trace$"
  SETUP "mkdir d" ARGS stats d)
mmr_cli_test(parts_damaged RC 1 ONE_LINE STDERR "^mmreplay stats: d/000002.mmr: offset 0: "
  SETUP "${PARTS_SETUP} && echo junk > d/000002.mmr" ARGS stats d)
mmr_cli_test(parts_sweep_refused RC 2 ONE_LINE
  STDERR "^mmreplay sweep: 'd' is a directory: a sweep takes one trace file \\(replay reads a capture's parts as one trace\\) ${HINT}"
  SETUP "${PARTS_SETUP}" ARGS sweep d -e null -o out)
