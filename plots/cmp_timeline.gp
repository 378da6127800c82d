# cmp_timeline.gp - several engines' throughput over the replay on shared
# axes (each file a timeline.dat: time_s ops_per_s live_bytes
# live_objects).  The caller sets files and titles as for
# cmp_percentiles.gp.
load dir.'/common.gp'
set xlabel 'time since the start (s)'
set ylabel 'ops/s'
set format y '%.1s%c'
set yrange [0:*]
plot for [i=1:words(files)] word(files, i) using 1:2 with lines lw 2 title word(titles, i)
