"""The plain-text part of an e-mail, made from its HTML part: one template says what an e-mail
says, and the two parts can't drift apart. Characters come out as themselves (`O'Brien`, not
`O&#x27;Brien`); a link keeps its address ("Open the case: https://..."); an element with the
class `html-only` (the site's name above the message, a second copy of a link shown under a
button) is left out.
"""

import re
from html.parser import HTMLParser

BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre",
    "section", "article", "header", "footer", "dl",
}  # fmt: skip
LINES = {"li", "tr", "dt", "dd"}
SKIPPED = {"head", "title", "style", "script"}
VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}


class _TextMaker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []  # the tags whose content is left out, innermost last
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in `out`)
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skipping:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in SKIPPED or "html-only" in (attrs.get("class") or "").split():
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in BLOCKS:
            self.out.append("\n\n")
        elif tag in LINES:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "img" and attrs.get("alt"):
            self.out.append(attrs["alt"])
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.out)))
        elif tag in ("td", "th"):
            self.out.append(" ")
        if tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag):
        if self.skipping:
            if self.skipping[-1] == tag:
                self.skipping.pop()
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = " ".join("".join(self.out[start:]).split())
            if href and not href.startswith("#") and href.removeprefix("mailto:") != text:
                self.out.append(f": {href}" if text else href)
        elif tag in BLOCKS:
            self.out.append("\n\n")
        if tag == "pre":
            self.pre -= 1

    def handle_data(self, data):
        if self.skipping:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    lines = [line.strip() for line in "".join(maker.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
