# timeline.gp - throughput and live memory over the replay's last run:
# calls per second on the left axis, the memory the trace's live objects
# asked for (MiB) on the right, against seconds since the start
# (timeline.dat: time_s ops_per_s live_bytes live_objects, equal time bins,
# each line its bin's end), and when the engine's timed mechanisms fired.
load dir.'/common.gp'
set xlabel 'time since start (s)'
set ylabel 'calls per second'
set y2label 'live memory (MiB)'
set ytics nomirror
set y2tics
set format y '%.1s%c'
set yrange [0:*]
set y2range [0:*]
set xrange [0:*]
# fsteps: a bin's rate is drawn over the bin that ends at its time.  With
# the engine's timed mechanisms (timers.dat: time_s "name", and marknames
# their names as words), a mark on the time axis wherever one fired.
if (exists('marks')) {
    plot data using 1:2 with fsteps lw 2 title 'calls per second', \
         '' using 1:($3 / 1048576.0) axes x1y2 with lines lw 2 title 'live memory (MiB)', \
         for [i=1:words(marknames)] marks using 1:(strcol(2) eq word(marknames, i) ? 0 : NaN) \
             with points pt 9 ps 0.8 title word(marknames, i).' fired'
} else {
    plot data using 1:2 with fsteps lw 2 title 'calls per second', \
         '' using 1:($3 / 1048576.0) axes x1y2 with lines lw 2 title 'live memory (MiB)'
}
