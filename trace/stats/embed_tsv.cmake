# embed_tsv.cmake - write IN (docs/kernel-locks.tsv) into OUT as a C array
# named NAME, NUL-terminated, so the binary needs no data file at run time.
# Run as: cmake -DIN=... -DOUT=... -DNAME=... -P embed_tsv.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "/* Generated from ${IN} by embed_tsv.cmake: edit that file, not this one. */\n"
  "const char ${NAME}[] = {${bytes}0x00};\n")
