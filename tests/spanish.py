"""Finding English left on a Spanish page or in a Spanish e-mail (issue 17, acceptance 1).

A word is English when it is in an English source text of the project, of allauth or of Django
(their catalogues' msgids), or is a common English word, and is in none of their Spanish
translations (so "no", "total", "error" or "hospital", Spanish too, are never taken for English).
A page's text is read as people read it: the text, and the alt, title, placeholder, aria-label
and button values; what an element marks as another language (`lang="en"`: the language switch's
"English", a guide not translated yet) is left out, as are e-mail addresses, links and the names
a test gives its data (people, organizations, places, products).
"""

import ast
import gettext
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django

ROOT = Path(__file__).resolve().parents[1]
PROJECT_CATALOGUES = [
    ROOT / "locale/es/LC_MESSAGES/django.po",
    *sorted(ROOT.glob("*/locale/es/LC_MESSAGES/django.po")),
]
LIBRARY_CATALOGUES = [
    *Path(allauth.__file__).parent.glob("locale/es/LC_MESSAGES/django.mo"),
    *Path(django.__file__).parent.glob("conf/locale/es/LC_MESSAGES/django.mo"),
    *Path(django.__file__).parent.glob("contrib/*/locale/es/LC_MESSAGES/django.mo"),
]

# Common English words, whether or not a catalogue holds them (text left out of the catalogues
# is English too).
COMMON_ENGLISH = {
    "the", "and", "of", "to", "for", "with", "your", "you", "is", "are", "this", "that", "be", "on",
    "at", "by", "from", "or", "not", "have", "has", "will", "can", "an", "it", "its", "we", "our",
    "they", "their", "he", "she", "was", "were", "been", "do", "does", "did", "if", "when", "then",
    "than", "which", "who", "what", "where", "why", "how", "all", "any", "each", "every", "some",
    "more", "other", "into", "about", "after", "before", "here", "there", "these", "those", "them",
    "please", "yes", "only", "also", "just", "may", "must", "should", "would", "could", "one", "two",
    "three", "first", "second", "new", "see", "find", "book", "sign", "register", "open", "close",
    "cancel", "change", "save", "send", "back", "next", "previous", "home", "help", "page", "name",
    "date", "time", "day", "week", "dose", "doses", "appointment", "clinic", "vaccine", "vaccination",
    "record", "details", "group", "county", "phone", "address", "email", "mail", "language", "search",
    "choose", "none",
}  # fmt: skip

# Words that read the same in Spanish pages: names of programs, standards and the site.
ALLOWED_WORDS = {
    "cvms", "covid", "pin", "vaers", "cdc", "hl", "vxu", "cvx", "mvx", "ndc", "smart", "health",
    "card", "head", "start", "prek", "pdf", "csv", "xlsx", "png", "jpeg", "gif", "txt", "ok",
}  # fmt: skip

# Letters between word boundaries: the letters inside a code ("kzOiXr1i1Lm5", "MOD-2041") aren't
# words.
WORD = re.compile(r"\b[^\W\d_]+(?:['’][^\W\d_]+)?\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]+>")
# What isn't language: e-mail addresses, web addresses, paths, domain and file names.
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|(?<!\w)/[\w./:-]*|\b[\w-]+(?:\.[a-z][\w-]*)+\b")


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a .po string is written as a Python one (\", \\, \n)


def _po_texts(path: Path) -> tuple[list[str], list[str]]:
    """The msgids and the msgstrs of a .po catalogue (multi-line strings joined)."""
    sources, translations, current = [], [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#") or not line:
            current = None
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "msgid_plural"):
            sources.append(_unquote(rest))
            current = sources
        elif keyword.startswith("msgstr"):
            translations.append(_unquote(rest))
            current = translations
        elif line.startswith('"') and current is not None:
            current[-1] += _unquote(line)
    return sources, translations


@cache
def english_words() -> frozenset[str]:
    english, spanish = set(COMMON_ENGLISH), set()
    for path in PROJECT_CATALOGUES:
        sources, translations = _po_texts(path)
        english.update(*map(_words, sources))
        spanish.update(*map(_words, translations))
    for path in LIBRARY_CATALOGUES:
        with open(path, "rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for source, translation in catalogue.items():
            if source:
                english |= _words(source[0] if isinstance(source, tuple) else source)
                spanish |= _words(translation)
    return frozenset(english - spanish - ALLOWED_WORDS)


class _Reader(HTMLParser):
    """The texts of a page as people read them, without what is marked as another language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its content left out?

    def _skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        language = attributes.get("lang")
        skip = tag in ("script", "style") or (language is not None and not language.startswith("es"))
        if not (skip or self._skipping()):
            self.texts += [attributes[name] for name in self.ATTRIBUTES if attributes.get(name)]
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.texts.append(attributes["value"])
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(" ".join(data.split()))


def english_left(text: str, *, html: bool = True, allowed: tuple[str, ...] = ()) -> list[str]:
    """The pieces of `text` (a page or an e-mail's HTML, or plain text) that hold an English
    word, each with the words found; `allowed` are names of the test's data, left out."""
    if html:
        reader = _Reader()
        reader.feed(text)
        pieces = reader.texts
    else:
        pieces = [line for line in text.splitlines() if line.strip()]
    english = english_words()
    names = sorted((name for name in allowed if name), key=len, reverse=True)
    found = []
    for piece in pieces:
        cleaned = NOT_WORDS.sub(" ", piece)
        for name in names:
            cleaned = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", cleaned)
        hits = sorted({word for word in WORD.findall(cleaned) if word.lower() in english})
        if hits:
            found.append(f"{piece[:160]!r}: {', '.join(hits)}")
    return found
