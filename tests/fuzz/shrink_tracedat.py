#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# shrink_tracedat.py IN.dat OUT.dat [PAGES] - a small trace.dat (version 6,
# man 5 trace-cmd.dat.v6) from a big one, as a fuzz seed: the same header
# and recorded events' formats, no ftrace formats, kallsyms and printk
# formats emptied (megabytes, and only names), the first 16 saved cmdlines,
# CPU 0's first PAGES ring-buffer pages (default 1) and the other CPUs' none.  How tests/fuzz/corpus/import_tracedat/
# was made from `mmreplay capture -e slab -d 0.1 --trace-dat` (docs/fuzzing.md).
import struct, sys

src = open(sys.argv[1], "rb").read()
pages = int(sys.argv[3]) if len(sys.argv) > 3 else 1
pos = 0


def take(n):
    global pos
    b = src[pos:pos + n]
    pos += n
    return b


def cstr():
    global pos
    end = src.index(b"\0", pos)
    s = src[pos:end + 1]
    pos = end + 1
    return s


out = bytearray(take(3) + take(7) + cstr())  # magic, "tracing", version
endian, long_size, page_size = struct.unpack("<BBI", take(6))
assert endian == 0, "little-endian files only"
out += struct.pack("<BBI", endian, long_size, page_size)
for name in (b"header_page\0", b"header_event\0"):
    assert cstr() == name
    (n,) = struct.unpack("<Q", take(8))
    out += name + struct.pack("<Q", n) + take(n)
(nftrace,) = struct.unpack("<I", take(4))
out += struct.pack("<I", 0)
for _ in range(nftrace):
    (n,) = struct.unpack("<Q", take(8))
    take(n)
(nsys,) = struct.unpack("<I", take(4))
out += struct.pack("<I", nsys)
for _ in range(nsys):
    out += cstr()
    (nev,) = struct.unpack("<I", take(4))
    out += struct.pack("<I", nev)
    for _ in range(nev):
        (n,) = struct.unpack("<Q", take(8))
        out += struct.pack("<Q", n) + take(n)
for fmt in ("<I", "<I", "<Q"):  # kallsyms, printk formats: emptied; cmdlines: kept
    (n,) = struct.unpack(fmt, take(struct.calcsize(fmt)))
    data = take(n)
    if fmt == "<Q":
        data = b"".join(data.splitlines(keepends=True)[:16])
        out += struct.pack(fmt, len(data)) + data
    else:
        out += struct.pack(fmt, 0)
(cpus,) = struct.unpack("<I", take(4))
out += struct.pack("<I", cpus)
assert take(10) == b"options  \0"
out += b"options  \0"
while True:
    (opt,) = struct.unpack("<H", take(2))
    out += struct.pack("<H", opt)
    if opt == 0:
        break
    (n,) = struct.unpack("<I", take(4))
    out += struct.pack("<I", n) + take(n)
assert take(10) == b"flyrecord\0"
out += b"flyrecord\0"
runs = [struct.unpack("<QQ", take(16)) for _ in range(cpus)]
table = len(out)
out += bytes(16 * cpus)
for cpu, (off, size) in enumerate(runs):
    keep = min(size, pages * page_size) if cpu == 0 else 0
    out += bytes(-len(out) % page_size)
    struct.pack_into("<QQ", out, table + 16 * cpu, len(out), keep)
    out += src[off:off + keep]
open(sys.argv[2], "wb").write(out)
print(f"{sys.argv[2]}: {len(out)} bytes, {cpus} cpus, {pages} page(s) each")
