#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# html_check.sh - check in headless Chromium that a report.html renders.
#
#   html_check.sh REPORT.html
#
# mmreplay compare writes a self-contained page: every plot is a PNG inlined
# as <img src="data:image/png;base64,...">.  Greps on the HTML cannot tell
# whether a browser draws it: a truncated or mangled base64 string, a plot
# that points at a file next to the page, or markup that swallows the
# figures all still grep fine.  So this loads the page in a real browser,
# twice, in parallel:
#
#  (a) a screenshot (--window-size 1200x3000), decoded here with zlib (no
#      PIL), must be 1200x3000 and not blank: at least 1% of its pixels must
#      be coloured (channels differing by more than 48), which text, table
#      borders and white space never are and gnuplot's lines and bars are;
#  (b) the page with a <script> appended that, on the load event, writes into
#      document.title how many <img> decoded (complete && naturalWidth > 0)
#      out of how many, read back from --dump-dom: all of them, and at least
#      one, must have decoded.
#
# The page is loaded from a copy in a private temporary directory, so an
# image that is not inlined but refers to a file beside the report fails (b).
# Exit status: 0 renders, 1 does not (the reason on stderr), 2 usage,
# 77 Chromium is not installed (ctest's SKIP_RETURN_CODE).  CHROMIUM names
# the browser (default: chromium, Debian's package); HTML_CHECK_SHOT, when
# set, is where to keep the screenshot for a look.
set -u
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: html_check.sh REPORT.html (an existing file)" >&2
	exit 2
fi
page=$1
chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
	echo "html_check: skipped: $chromium is not installed (apt-get install chromium)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/html_check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$page" "$tmp/page.html" || exit 1
cat >>"$tmp/page.html" <<'EOF'
<script>
window.addEventListener("load", function () {
	var imgs = document.images, ok = 0;
	for (var i = 0; i < imgs.length; i++)
		if (imgs[i].complete && imgs[i].naturalWidth > 0)
			ok++;
	document.title = "html_check " + ok + "/" + imgs.length;
});
</script>
EOF

# browser NAME ARGS...: run headless Chromium on the copy with a profile of
# its own (NAME.profile), stdout to NAME.out and stderr to NAME.log.  As root
# in a container it needs --no-sandbox; without a GPU, --disable-gpu; a small
# /dev/shm, --disable-dev-shm-usage.  timeout: a hung browser fails the check.
browser() {
	local name=$1
	shift
	timeout -k 5 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --no-default-browser-check --disable-extensions --disable-sync \
		--disable-background-networking --disable-component-update --mute-audio --hide-scrollbars \
		--user-data-dir="$tmp/$name.profile" "$@" "file://$tmp/page.html" \
		>"$tmp/$name.out" 2>"$tmp/$name.log"
}
# fail WHAT LOG: the check failed; say why, with the end of the browser's log.
fail() {
	echo "html_check: $page: $1" >&2
	if [ -n "${2:-}" ]; then
		echo "--- end of chromium's stderr:" >&2
		grep -v 'dbus' "$2" | tail -n 5 >&2
	fi
	exit 1
}

browser shot --window-size=1200,3000 --screenshot="$tmp/shot.png" &
shot_pid=$!
browser dom --dump-dom --virtual-time-budget=10000 &
dom_pid=$!
wait "$shot_pid"
shot_rc=$?
wait "$dom_pid"
dom_rc=$?

# (b) every image decoded
[ "$dom_rc" = 0 ] || fail "chromium --dump-dom exited with status $dom_rc" "$tmp/dom.log"
counts=$(sed -n 's|.*<title>html_check \([0-9]*/[0-9]*\)</title>.*|\1|p' "$tmp/dom.out" | head -n 1)
[ -n "$counts" ] || fail "the load event never set the title (no 'html_check N/M' in the dumped DOM)" "$tmp/dom.log"
decoded=${counts%/*} total=${counts#*/}
[ "$total" -gt 0 ] || fail "no <img> in the page"
[ "$decoded" = "$total" ] || fail "only $decoded of $total images decoded"

# (a) the screenshot
[ "$shot_rc" = 0 ] || fail "chromium --screenshot exited with status $shot_rc" "$tmp/shot.log"
[ -s "$tmp/shot.png" ] || fail "chromium wrote no screenshot" "$tmp/shot.log"
[ -z "${HTML_CHECK_SHOT:-}" ] || cp "$tmp/shot.png" "$HTML_CHECK_SHOT"
shot=$(python3 - "$tmp/shot.png" 1200 3000 2>&1 <<'PY'
import struct, sys, zlib
from itertools import accumulate

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("screenshot: not a PNG")
pos, idat, ihdr = 8, [], None
while pos + 8 <= len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    if typ == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", data[pos + 8:pos + 21])
    elif typ == b"IDAT":
        idat.append(data[pos + 8:pos + 8 + n])
    elif typ == b"IEND":
        break
    pos += 12 + n
if ihdr is None:
    sys.exit("screenshot: PNG without IHDR")
w, h, depth, ctype, _, _, interlace = ihdr
if (w, h) != (want_w, want_h):
    sys.exit(f"screenshot: {w}x{h}, not the {want_w}x{want_h} asked for")
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit(f"screenshot: PNG of depth {depth}, colour type {ctype}, interlace {interlace}: not handled")
bpp = 3 if ctype == 2 else 4
stride = w * bpp
raw = zlib.decompress(b"".join(idat))
if len(raw) != h * (stride + 1):
    sys.exit(f"screenshot: {len(raw)} bytes of pixel data, expected {h * (stride + 1)}")
# Undo the PNG filters row by row (PNG spec, section 9).  Up is one addition
# of byte lanes on big integers, Sub one running sum per channel; Average and
# Paeth go byte by byte, except Paeth's all-zero row under a one-colour row
# (blank page), which is that row again.
lo = int.from_bytes(b"\x7f" * stride, "big")
hi = int.from_bytes(b"\x80" * stride, "big")
prev, coloured, i = bytes(stride), 0, 0
for y in range(h):
    f, line = raw[i], raw[i + 1:i + 1 + stride]
    i += 1 + stride
    if f == 1:
        out = bytearray(stride)
        for c in range(bpp):
            out[c::bpp] = bytes(accumulate(line[c::bpp], lambda s, v: (s + v) & 255))
        line = bytes(out)
    elif f == 2:
        a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
        line = (((a & lo) + (b & lo)) ^ ((a ^ b) & hi)).to_bytes(stride, "big")
    elif f == 4 and not any(line) and prev == prev[:bpp] * w:
        line = prev
    elif f in (3, 4):
        out = bytearray(line)
        for k in range(stride):
            a = out[k - bpp] if k >= bpp else 0
            b = prev[k]
            if f == 3:
                out[k] = (out[k] + ((a + b) >> 1)) & 255
            else:
                c = prev[k - bpp] if k >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                out[k] = (out[k] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        line = bytes(out)
    elif f != 0:
        sys.exit(f"screenshot: row {y} has filter type {f}")
    prev = line
    # every other pixel of every other row is plenty for a share
    if y % 2 == 0:
        step = 2 * bpp
        coloured += sum(1 for p in zip(line[0::step], line[1::step], line[2::step])
                        if max(p) - min(p) > 48)
share = coloured / (((h + 1) // 2) * ((w + 1) // 2))
if share < 0.01:
    sys.exit(f"screenshot: looks blank: {100 * share:.2f}% of its pixels coloured, want 1% or more")
print(f"screenshot {w}x{h}, {100 * share:.1f}% of its pixels coloured")
PY
) || fail "$(tail -n 1 <<<"$shot")"
echo "html_check: $page renders: $decoded/$total images decoded, $shot"
