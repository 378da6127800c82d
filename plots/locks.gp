# locks.gp - lock contention: total wait per lock (and side), and the
# share of acquisitions that had to wait (locks.dat: "name" side
# acquisitions contended wait_ns_total wait_ns_max hold_ns_total
# hold_ns_max, most total wait first).
load dir.'/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30 noenhanced
set ylabel 'total wait (ms)'
set y2label 'contended acquisitions (%)'
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top right
plot data using ($5 / 1e6):xticlabels(stringcolumn(1).' '.stringcolumn(2)) title 'total wait (ms)', \
     '' using ($3 > 0 ? 100.0 * $4 / $3 : 0) axes x1y2 title 'contended (%)'
