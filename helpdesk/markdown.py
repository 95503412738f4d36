"""Markdown for articles, notes and guides, rendered so that it can't carry script: raw HTML is
escaped (markdown-it's `html` option off) and links and images keep only allowed schemes."""

import re

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]+")


def link_allowed(url: str) -> bool:
    """Relative links and the allowed schemes pass; javascript:, data:, vbscript: … don't.

    Anything with a colon before the first "/", "?" or "#" counts as a scheme, so encoded
    tricks ("java%09script:") are refused too rather than left to the browser's parser."""
    head = re.split(r"[/?#]", _IGNORED_BY_BROWSERS.sub("", url), maxsplit=1)[0]
    return ":" not in head or head.split(":", 1)[0].lower() in ALLOWED_SCHEMES


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.validateLink = link_allowed
    return parser


_MARKDOWN = _parser()


def render_markdown(text: str, *, image_url=None) -> SafeString:
    """HTML for `text`. `image_url(src)` may rewrite image addresses (the guides point their
    relative images at the static files)."""
    tokens = _MARKDOWN.parse(text or "")
    if image_url is not None:
        for token in tokens:
            for child in token.children or []:
                if child.type == "image":
                    child.attrSet("src", image_url(str(child.attrGet("src") or "")))
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return mark_safe(html)  # raw HTML is escaped and link schemes are filtered above
