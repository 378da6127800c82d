# cmp_bars.gp - clustered bars from a small table compare writes to its
# data/ directory: a header line of quoted column names (the first names
# the rows), then one row per item with a quoted label and a number per
# column.  The caller sets, besides common.gp's:
#   data    the table
#   ylabel  what the numbers are
#   logy    '1' for a log y axis
#   ncols   how many columns the table has, its label column included
load dir.'/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -20 noenhanced
set key top right autotitle columnheader
set ylabel ylabel.(logy eq '1' ? ' (log scale)' : '')
if (logy eq '1') { set logscale y } else { set yrange [0:*] }
plot for [i=2:int(ncols)] data using i:xticlabels(1)
