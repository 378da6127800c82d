# cmp_stacked.gp - one bar per engine, stacked by lock: how an engine's
# total lock wait splits between its locks.  Reads the same table as the
# clustered lock chart (data/locks.dat: a header of quoted names, "lock"
# then the engines; a row per lock and side, total wait in ms per engine).
# The caller sets, besides common.gp's:
#   data    the table
#   ncols   how many columns the table has, the lock column included
load dir.'/common.gp'
set style data histograms
set style histogram columnstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set xtics rotate by -20 noenhanced
set ylabel 'total wait (ms)'
set yrange [0:*]
set key outside right top noenhanced
# key(1) names the segments (the locks) once, from the first stack only
plot data using 2:key(1) title columnheader(2), for [i=3:int(ncols)] '' using i title columnheader(i)
