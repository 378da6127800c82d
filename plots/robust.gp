# robust.gp - one verdict against the model's assumptions: the change of
# the engine's leading figure, in percent against the baseline, as each
# cost option goes across its declared range (0: its low end, 1: its high
# end, on a log scale within), one line per option.  compare --robust
# writes the table to its data/ directory: one block per option, blocks
# two blank lines apart, each headed by a line with the option's name.
# The caller sets, besides common.gp's:
#   data     the table
#   nblocks  how many options (blocks) it has
#   ylabel   the figure
load dir.'/common.gp'
set xlabel 'each cost option across its range (0: low end, 1: high end; log scale within)'
set ylabel ylabel.' change vs the baseline (%)' noenhanced
set xrange [-0.05:1.05]
set key top right noenhanced
plot for [i=0:int(nblocks)-1] data index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1), \
     0 with lines lc rgb 'black' dt 2 notitle
