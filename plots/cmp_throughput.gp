# cmp_throughput.gp - throughput per engine: a bar for the mean over the
# runs, whiskers from the lowest to the highest run (data/throughput.dat:
# "engine" mean_ops_s lowest_run highest_run).
load dir.'/common.gp'
set style fill solid 0.8 border -1
set boxwidth 0.6
set xtics rotate by -20 noenhanced
set yrange [0:*]
set ylabel 'ops/s'
set format y '%.1s%c'
set key off
plot data using 0:2:xticlabels(1) with boxes, \
     '' using 0:2:3:4 with yerrorbars lw 2 pt 0
