# cmp_cdf.gp - several engines' latency CDFs of one op on shared axes
# (each file a hist_OP.dat: low_ns high_ns count cumulative_fraction).
# The caller sets nfiles, fileI and titleI as for cmp_percentiles.gp.
load dir.'/common.gp'
set logscale x
set yrange [0:1]
set xlabel 'latency (ns, log)'
set ylabel 'share of calls at or below'
plot for [i=1:int(nfiles)] value('file'.i) using ($2 > 1 ? $2 : 1):4 with steps lw 2 title value('title'.i)
