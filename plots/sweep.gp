# sweep.gp - one figure against the replay's thread count, a line per
# engine, from a table sweep writes to its data/ directory: a header of
# quoted names ("threads", then the engines), then a row per thread count.
# The caller sets, besides common.gp's:
#   data    the table
#   ylabel  what the figure is
#   logy    '1' for a log y axis
#   ncols   how many columns the table has, the threads column included
load dir.'/common.gp'
set logscale x 2
set xlabel 'replay threads'
set ylabel ylabel.(logy eq '1' ? ' (log scale)' : '')
set key top left autotitle columnheader
if (logy eq '1') { set logscale y } else { set yrange [0:*]; set format y '%.1s%c' }
plot for [i=2:int(ncols)] data using 1:i with linespoints lw 2 pt 7
