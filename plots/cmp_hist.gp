# cmp_hist.gp - several engines' latency histograms of one op on shared
# log-log axes, as steps so that they can be told apart where they overlap
# (each file a hist_OP.dat: low_ns high_ns count cumulative_fraction).
# The caller sets nfiles, fileI and titleI as for cmp_percentiles.gp.
load dir.'/common.gp'
set logscale x
set logscale y
set xlabel 'latency (ns, log)'
set ylabel 'calls (log)'
plot for [i=1:int(nfiles)] value('file'.i) using ($2 > 1 ? $2 : 1):3 with steps lw 2 title value('title'.i)
