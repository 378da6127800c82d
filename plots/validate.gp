# validate.gp - model against kernel: one point per lock both contended,
# contended acquisitions per 1000 ops, the kernel's on x and the model's
# on y, log axes, one colour per engine, the diagonal where the model is
# the kernel and dashed lines a factor of 10 either side.  The caller
# (mmreplay validate) sets, besides common.gp's:
#   datadir  the directory of validate_0.dat, validate_1.dat, ...: one per
#            engine, rows of "lock" kernel model
#   engines  the engines' names, space-separated, in file order
#   n        how many engines
load dir.'/common.gp'
set logscale xy
set xlabel 'kernel: contended acquisitions per 1000 ops'
set ylabel 'model: contended acquisitions per 1000 ops'
set key top left noenhanced
set size ratio -1
f(i) = sprintf('%s/validate_%d.dat', datadir, i)
plot x title 'model = kernel' lc rgb '#808080' dt 1, \
     10 * x notitle lc rgb '#b0b0b0' dt 2, \
     x / 10 notitle lc rgb '#b0b0b0' dt 2, \
     for [i=0:int(n)-1] f(i) using 2:3 with points pt 7 ps 1.5 title word(engines, i + 1), \
     for [i=0:int(n)-1] f(i) using 2:3:1 with labels offset 1,0.7 left font ',8' noenhanced notitle
