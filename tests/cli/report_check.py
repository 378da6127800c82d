#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# report_check.py - check that a report's two files are well formed whatever
# names its results held (engine, lock and trace names with markup in them):
#
#   report_check.py DIR/BASE [NAME...]
#
# DIR/BASE.html: parsed with html.parser, every tag one the writer uses,
# every element closed in order, no event-handler attribute, no link that
# leaves the page's directory; each NAME appears as text (the writer
# escaped it rather than letting it become markup).
# DIR/BASE.md: no raw HTML tag (a '<' the writer did not escape), no line
# that a name turned into a heading, and each NAME, Markdown-escaped, in it.
# Names with control characters are looked for with those as '?' (results.c).
import html.parser
import re
import sys

ALLOWED = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li", "table", "caption",
           "tr", "th", "td", "figure", "img", "figcaption", "a"}
VOID = {"meta", "img"}


class Strict(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.errors = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.errors.append(f"tag <{tag}> the writer never writes")
        for k, v in attrs:
            if k.startswith("on"):
                self.errors.append(f"event handler attribute {k} on <{tag}>")
            if k == "href" and (v is None or ":" in v or v.startswith("/") or ".." in v.split("/")):
                self.errors.append(f"link {v!r} leaves the report")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def md_escaped(name):
    return re.sub(r"([\\`*_\[\]<>|&~])", r"\\\1", name)


def main():
    base, names = sys.argv[1], [re.sub(r"[\x00-\x1f\x7f]", "?", n) for n in sys.argv[2:]]
    problems = []
    page = Strict()
    page.feed(open(base + ".html", encoding="utf-8").read())
    page.close()
    problems += page.errors
    if page.stack:
        problems.append(f"elements never closed: {page.stack}")
    text = "".join(page.text)
    md = open(base + ".md", encoding="utf-8").read()
    for m in re.finditer(r"(?<!\\)<[A-Za-z/!?]", md):
        problems.append(f"raw tag in the Markdown: {md[m.start():m.start() + 30]!r}")
    for line in md.splitlines():
        if line.startswith("#") and not re.match(r"#{1,2} ", line):
            problems.append(f"a heading the writer did not make: {line[:60]!r}")
    for n in names:
        if n not in text:
            problems.append(f"{n!r} is not in the page's text")
        if md_escaped(n) not in md:
            problems.append(f"{md_escaped(n)!r} is not in the Markdown")
    for p in problems:
        print(f"report_check: {base}: {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
