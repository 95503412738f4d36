"""Registry files read as a strict receiver reads them (issue 16).

- HL7: every VXU message is parsed by hl7apy at its STRICT validation level against base HL7
  v2.5.1 (unknown fields, missing required fields, field lengths and data types all refuse the
  message), then checked against the CDC IG's conformance statements that a base parser doesn't
  know (MSH-10 within 20 characters, MSH-18 for non-ASCII data, RXA-11.4 an identifier). The batch
  envelope is read with the `hl7` package's file parser (hl7apy reads FHS and BHS as ordinary
  segments and can't split their first two fields), and BTS, FTS strictly.
- CVRS: every row has the 45 columns and passes the specification's rules (`cvrs_problems`: the
  validator's patterns, value sets and per-event requirements).
"""

import hl7
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message, parse_segment

from administration.reporting import cvrs

ENVELOPE = ("FHS", "BHS", "BTS", "FTS")


def split_batch(text: str) -> tuple[list[str], list[str]]:
    """A batch file as its envelope segments and its messages (each a CR-separated string)."""
    envelope, messages = [], []
    for segment in text.split("\r"):
        if not segment:
            continue
        if segment[:3] in ENVELOPE:
            envelope.append(segment)
        elif segment.startswith("MSH|"):
            messages.append(segment + "\r")
        else:
            messages[-1] += segment + "\r"
    return envelope, messages


def strict_vxu(text: str):
    """The message parsed and validated strictly as HL7 2.5.1 (raises on the first violation),
    after the IG's own rules (AssertionError naming the rule)."""
    message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    message.validate()
    msh = text.split("\r")[0].split("|")
    assert len(msh) <= 21, "MSH-22 and later are not fields of base HL7 2.5.1"
    assert len(msh[9]) <= 20, f"MSH-10 {msh[9]!r} is longer than 20 characters"
    if not text.isascii():
        assert msh[17] == "UNICODE UTF-8", "non-ASCII data needs MSH-18 UNICODE UTF-8"
    for segment in text.split("\r"):
        if segment.startswith("RXA|"):
            fields = segment.split("|")
            facility = fields[11].split("^")[3] if len(fields) > 11 and fields[11] else ""
            assert facility.isascii() and len(facility) <= 20, f"RXA-11.4 {facility!r} is not an identifier"
    return message


def strict_batch(text: str) -> list:
    """The batch's messages, each parsed strictly; the envelope checked (one batch, its count)."""
    envelope, messages = split_batch(text)
    parsed = hl7.parse_file(text)
    (batch,) = parsed
    assert [segment[:3] for segment in envelope] == ["FHS", "BHS", "BTS", "FTS"]
    assert str(batch.trailer) == f"BTS|{len(messages)}"
    for segment in envelope[2:]:
        parse_segment(segment, version="2.5.1", validation_level=VALIDATION_LEVEL.STRICT).validate()
    return [strict_vxu(message) for message in messages]


_ESCAPES = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\"}


def value(element) -> str:
    """An element's text as the sender meant it (HL7 escape sequences read back)."""
    text, out, i = element.to_er7(), [], 0
    while i < len(text):
        end = text.find("\\", i + 1) if text[i] == "\\" else -1
        if end > i and text[i + 1 : end] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1 : end]])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def cvrs_rows(text: str) -> list[dict[str, str]]:
    header, *lines = text.split("\n")[:-1]
    assert header.split("\t") == list(cvrs.COLUMNS)
    return [dict(zip(cvrs.COLUMNS, line.split("\t"), strict=True)) for line in lines]


def cvrs_row_problems(row: dict[str, str]) -> list[str]:
    return cvrs.cvrs_problems(row)
