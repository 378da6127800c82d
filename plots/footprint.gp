# footprint.gp - the memory measures side by side, in MiB: what the
# trace's live objects asked for (at their peak and at the end), what the
# engine says it holds, the replay process's peak resident set
# (footprint.dat: "what" bytes).
load dir.'/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics noenhanced
set ylabel 'MiB'
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key off
plot data using ($2 / 1048576.0):xticlabels(1) title 'MiB', \
     '' using 0:($2 / 1048576.0):(sprintf('%.1f', $2 / 1048576.0)) with labels offset 0,0.8 notitle
