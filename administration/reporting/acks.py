"""The registry's acknowledgements (HL7 v2.5.1 ACK^V04, CDC IG profile Z23), read from the file
the registry returns: one ACK per VXU message, MSA-1 the answer (AA accepted, AE error, AR
rejected), MSA-2 the control id of the message it answers, and an ERR segment per problem.

Plain Python over text, like the writers: `acks_read` takes the file's text (one ACK after another,
with or without a batch envelope, segments ending in CR, LF or CRLF) and yields what each says.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

SEVERITIES = {"E": "Error", "W": "Warning", "I": "Information"}
_SEGMENT_END = re.compile(r"\r\n|\r|\n")
_ENVELOPE = ("FHS", "BHS", "BTS", "FTS")


class AckFileError(ValueError):
    """A file that isn't a registry's acknowledgements; the message says where it stops making sense."""


class Ack(NamedTuple):
    control_id: str  # MSA-2: the MSH-10 of the message acknowledged
    code: str  # MSA-1: AA, AE or AR
    errors: tuple[str, ...] = ()  # one line per ERR segment, for a person to read


@dataclass(frozen=True)
class _Encoding:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"


def unescape(text: str, encoding: _Encoding = _Encoding()) -> str:
    """HL7 escape sequences (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\) back to the characters they stand for."""
    marks = {
        "F": encoding.field,
        "S": encoding.component,
        "T": encoding.subcomponent,
        "R": encoding.repetition,
        "E": encoding.escape,
    }
    out, i = [], 0
    while i < len(text):
        if text[i] == encoding.escape:
            end = text.find(encoding.escape, i + 1)
            if end > i and text[i + 1 : end] in marks:
                out.append(marks[text[i + 1 : end]])
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _component(field: str, n: int, encoding: _Encoding) -> str:
    parts = field.split(encoding.repetition)[0].split(encoding.component)
    return unescape(parts[n - 1], encoding) if len(parts) >= n else ""


def _error_line(fields: list[str], encoding: _Encoding) -> str:
    """One ERR segment as a sentence: severity, where, what (ERR-2, -3, -4, -5, -8)."""

    def field(n: int) -> str:
        return fields[n] if len(fields) > n else ""

    severity = SEVERITIES.get(field(4).strip(), "Error")
    segment, field_number = _component(field(2), 1, encoding), _component(field(2), 3, encoding)
    where = f"{segment}-{field_number}" if segment and field_number not in ("", "0") else segment
    code = _component(field(3), 2, encoding) or _component(field(3), 1, encoding)
    application = _component(field(5), 2, encoding)
    # ERR-8 is the user message; registries also put it in ERR-7 (diagnostic information), and
    # the IG's own example has it one field further, in ERR-9.
    message = unescape(field(8) or field(7) or field(9), encoding).strip()
    what = "; ".join(part for part in (message, code, application) if part.strip()) or "no detail given"
    return f"{severity}{' at ' + where if where else ''}: {what}"


def acks_read(text: str) -> Iterator[Ack]:
    """Each ACK of the file, in order. Raises AckFileError for text that isn't one."""
    encoding = _Encoding()
    current: dict | None = None
    seen_any = False
    for number, segment in enumerate(_SEGMENT_END.split(text.lstrip("\ufeff")), start=1):
        if not segment.strip():
            continue
        name = segment[:3]
        if name in ("MSH", "FHS", "BHS"):
            if len(segment) < 8:
                raise AckFileError(f"Line {number}: {name} is too short to read.")
            encoding = _Encoding(
                field=segment[3],
                component=segment[4],
                repetition=segment[5],
                escape=segment[6],
                subcomponent=segment[7],
            )
        if name in _ENVELOPE:
            continue
        fields = segment.split(encoding.field)
        if name == "MSH":
            if current is not None:
                yield _finished(current, f"line {number}")
            current = {"code": "", "control_id": "", "errors": []}
            seen_any = True
        elif current is None:
            raise AckFileError(f"Line {number}: {name} comes before any MSH segment.")
        elif name == "MSA":
            current["code"] = fields[1].strip() if len(fields) > 1 else ""
            current["control_id"] = unescape(fields[2].strip(), encoding) if len(fields) > 2 else ""
        elif name == "ERR":
            current["errors"].append(_error_line(fields, encoding))
    if current is not None:
        yield _finished(current, "the end of the file")
    if not seen_any:
        raise AckFileError("The file holds no HL7 message (no MSH segment).")


def _finished(current: dict, where) -> Ack:
    if current["code"] not in ("AA", "AE", "AR") or not current["control_id"]:
        raise AckFileError(
            f"The acknowledgement ending before {where} has no MSA segment "
            "with AA, AE or AR and a control id."
        )
    return Ack(control_id=current["control_id"], code=current["code"], errors=tuple(current["errors"]))
