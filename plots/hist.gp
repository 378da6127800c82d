# hist.gp - latency histogram of one op: calls per bucket against a log
# latency axis (hist_OP.dat: low_ns high_ns count cumulative_fraction).
# Calls faster than the timer resolves (0 ns) are drawn at 1 ns.
load dir.'/common.gp'
set logscale x
set logscale y
set xlabel 'latency (ns, log)'
set ylabel 'calls (log)'
plot data using ($2 > 1 ? $2 : 1):3 with impulses lw 3 title 'calls per latency bucket'
