# percentiles.gp - the percentile spectrum, as HdrHistogram draws it:
# latency against percentile on a 1/(1-p) axis, so that the tail (99%,
# 99.9%, 99.99%) gets as much room as the median (percentiles_OP.dat:
# percentile latency_ns one_over_one_minus_p).
load dir.'/common.gp'
set logscale x
set logscale y
set xtics ('0%%' 1, '50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)
set xlabel 'percentile'
set ylabel 'latency (ns, log)'
plot data using 3:($2 > 1 ? $2 : 1) with lines lw 2 title 'latency at percentile (0 ns drawn at 1)'
