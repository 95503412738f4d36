"""Reading a CSV roster as a stream of (line, cells): its encoding and its delimiter guessed."""

import codecs
import contextlib
import csv
import io

from employers.rosterfiles.formats import SNIFF_BYTES


def detect_encoding(file) -> str:
    """utf-8-sig (with or without BOM) when the whole file is valid UTF-8, else Windows-1252.

    Read in chunks so a large file is never held whole."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    file.seek(0)
    return encoding


def csv_rows(file):
    encoding = detect_encoding(file)
    size = getattr(file, "size", None) or 1
    text = io.TextIOWrapper(file, encoding=encoding, newline="", errors="replace")
    # The delimiter is the one the header line uses most (spreadsheets in some locales save
    # CSV with semicolons); csv.Sniffer guesses wrong too often on short files.
    first_line = next((line for line in text.read(SNIFF_BYTES).splitlines() if line.strip()), "")
    delimiter = max(",;\t|", key=first_line.count)
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter if first_line.count(delimiter) else ",")

    def progress() -> float:
        return min(file.tell() / size, 1.0)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        finally:
            with contextlib.suppress(ValueError):  # already closed by its owner
                text.detach()  # leave the underlying file open for its owner

    return rows(), progress
