# cmp_timeline.gp - several engines' timelines on shared axes (each file a
# timeline.dat: time_s ops_per_s live_bytes live_objects).  The caller sets
# nfiles, fileI and titleI as for cmp_percentiles.gp, and:
#   column  which column to draw (2: calls per second, 3: live bytes)
#   ylabel  what it is
load dir.'/common.gp'
set xlabel 'time since the start (s)'
set ylabel ylabel
set yrange [0:*]
set format y '%.1s%c'
plot for [i=1:int(nfiles)] value('file'.i) using 1:int(column) with lines lw 2 title value('title'.i)
