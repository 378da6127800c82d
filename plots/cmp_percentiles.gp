# cmp_percentiles.gp - several engines' percentile spectra of one op on
# shared axes (each file a percentiles_OP.dat: percentile latency_ns
# one_over_one_minus_p).  The caller sets, besides common.gp's:
#   nfiles  how many tables
#   fileI   the I-th .dat file (file1, file2, ...)
#   titleI  its engine
load dir.'/common.gp'
set logscale x
set logscale y
set xtics ('0%%' 1, '50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)
set xlabel 'percentile'
set ylabel 'latency (ns, log; 0 drawn at 1)'
plot for [i=1:int(nfiles)] value('file'.i) using 3:($2 > 1 ? $2 : 1) with lines lw 2 title value('title'.i)
