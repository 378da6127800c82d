# common.gp - what every plot shares: the terminal, the output file, the
# title, a grid.  The caller (mmreplay plot) sets, with gnuplot -e:
#   term   the terminal line: 'pngcairo size 900,560 ...' or 'svg size 900,560 ...'
#   out    the file to write
#   title  the title: what was replayed, by which engine, on how many threads
#   data   the .dat file to read (results-json.md lists their columns)
# Scripts: hist.gp, percentiles.gp, cdf.gp, locks.gp; timeline.gp
# (timeline.dat) and footprint.gp (footprint.dat) for memory over time.
eval 'set terminal '.term
set output out
set title title noenhanced
set grid
set key top left noenhanced
set datafile commentschars "#"
