# ---- replay a window at a time (--window) --------------------------------------
# A trace longer than the window is planned a window at a time as it
# replays; the work done must be the whole plan's: the same events, skips,
# objects, slots, calls, failures and (for the engines whose outcomes do
# not hang on thread timing: one replay thread, no background worker) the
# same outcomes and live memory at the end (same_replay in fixtures.sh).
set(WIN_SAME "-q --no-timing -t 1")
mmr_cli_test(replay_window_same_slab RC 0 SETUP "gen slab-mix 30000 t.mmr --cpus 2 --seed 1"
  ARGS replay t.mmr -e slub,libc -o win -t 1 -q --no-timing --window 997
  CHECK "$MMREPLAY replay t.mmr -e slub,libc -o whole ${WIN_SAME} && same_replay whole/slub/results.json win/slub/results.json && same_replay whole/libc/results.json win/libc/results.json && json win/slub/results.json \"d['windows'] > 10 and d['window_ops'] == 997\" && json whole/slub/results.json \"d['windows'] == 1 and d['window_ops'] == 8000000\"")
mmr_cli_test(replay_window_same_page RC 0
  ARGS replay ${PROJECT_SOURCE_DIR}/workloads/traces/fs-walk.mmr -e page-pcp,page-zonelock -o win -t 1 -q --no-timing --window 1999
  CHECK "$MMREPLAY replay ${PROJECT_SOURCE_DIR}/workloads/traces/fs-walk.mmr -e page-pcp,page-zonelock -o whole ${WIN_SAME} && same_replay whole/page-pcp/results.json win/page-pcp/results.json && same_replay whole/page-zonelock/results.json win/page-zonelock/results.json")
mmr_cli_test(replay_window_same_cma RC 0 SETUP "gen hugetlb-cma 3000 t.mmr --cpus 2 --seed 1"
  ARGS replay t.mmr -e cma-mutex -o win -t 1 -q --no-timing --window 101
  CHECK "$MMREPLAY replay t.mmr -e cma-mutex -o whole ${WIN_SAME} && same_replay whole/cma-mutex/results.json win/cma-mutex/results.json")
# Timed, two runs (each plans its windows again), timers on the trace clock.
mmr_cli_test(replay_window_same_kvfree_rcu RC 0 SETUP "gen kfree-rcu-flood 20000 t.mmr --cpus 2 --seed 1"
  ARGS replay t.mmr -e kvfree-rcu-nowait -o win -t 1 -q -r 2 --window 999
  CHECK "$MMREPLAY replay t.mmr -e kvfree-rcu-nowait -o whole -t 1 -q -r 2 && same_replay whole/kvfree-rcu-nowait/results.json win/kvfree-rcu-nowait/results.json && json win/kvfree-rcu-nowait/results.json \"d['runs'] == 2 and d['ops']['kvfree_rcu']['p50_ns'] is not None\"")
# Two threads, paced: the planning pauses are left out of the schedule; the work is the same.
mmr_cli_test(replay_window_two_threads_paced RC 0 SETUP "gen slab-mix 20000 t.mmr --cpus 4 --seed 1"
  ARGS replay t.mmr -e null -o win -t 2 -q --pace x1000 --window 333
  CHECK "$MMREPLAY replay t.mmr -e null -o whole -t 2 -q --pace x1000 && same_replay whole/null/results.json win/null/results.json && json win/null/results.json \"d['windows'] > 50 and d['timeline']['peak_live_objects'] > 0\"")
set_tests_properties(cli.replay_window_same_kvfree_rcu cli.replay_window_two_threads_paced PROPERTIES LABELS concurrent)
mmr_cli_test(replay_window_zero RC 2 ONE_LINE STDERR "--window 0 out of range 1\\.\\.[0-9]+"
  SETUP "gen slab-mix 100 t.mmr" ARGS replay t.mmr -e null -o out --window 0)
# A trace of exactly one window's ops (or -n of them) is one window, planned once.
mmr_cli_test(replay_window_exact RC 0 SETUP "gen slab-mix 1000 t.mmr"
  ARGS replay t.mmr -e null -o out -q --window 1000
  CHECK "json out/null/results.json \"d['windows'] == 1\" && $MMREPLAY replay t.mmr -e null -o n -q -n 500 --window 500 && json n/null/results.json \"d['windows'] == 1\" && $MMREPLAY replay t.mmr -e null -o m -q --window 999 && json m/null/results.json \"d['windows'] == 2 and d['replayed_events'] == 1000\"")
