# cdf.gp - cumulative distribution of one op's latency: the share of calls
# at or below each latency (hist_OP.dat: low_ns high_ns count
# cumulative_fraction).
load dir.'/common.gp'
set logscale x
set yrange [0:1]
set xlabel 'latency (ns, log)'
set ylabel 'share of calls at or below'
plot data using ($2 > 1 ? $2 : 1):4 with steps lw 2 title 'cumulative share'
