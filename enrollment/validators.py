"""The shapes of the identifiers an application asks for, each with a message a person can act on.

Licence numbers: North Carolina's boards (Medical Board, Board of Pharmacy, Board of Nursing) and
DHSR issue licence numbers made of letters and digits, such as `2009-01234`, `RPH12345` or
`NH0123`. CVMS accepts 4 to 10 letters or digits, with at least one digit, optionally split by
one hyphen; spaces are ignored and letters are stored upper-case.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LICENCE_RE = re.compile(r"^(?=.*\d)[A-Z0-9]{1,10}(-[A-Z0-9]{1,10})?$")
PHONE_RE = re.compile(r"^\+?1?[\s.-]?\(?(\d{3})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})$")
ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
TAX_ID_RE = re.compile(r"^\d{2}-?\d{7}$")
VFC_PIN_RE = re.compile(r"^\d{6}$")


def normalize_licence(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_licence_number(value: str) -> None:
    value = normalize_licence(value)
    letters_and_digits = value.replace("-", "")
    if not LICENCE_RE.match(value) or not 4 <= len(letters_and_digits) <= 10:
        raise ValidationError(
            _("Enter 4 to 10 letters or digits, with at least one digit (for example RPH12345)."),
            code="licence_shape",
        )


def normalize_phone(value: str) -> str:
    match = PHONE_RE.match((value or "").strip())
    return f"{match[1]}-{match[2]}-{match[3]}" if match else value


def validate_phone(value: str) -> None:
    if not PHONE_RE.match((value or "").strip()):
        raise ValidationError(_("Enter a 10-digit US phone number, such as 919-555-0100."), code="phone")


def validate_zip(value: str) -> None:
    if not ZIP_RE.match((value or "").strip()):
        raise ValidationError(_("Enter a 5-digit ZIP code, such as 27601."), code="zip")


def normalize_tax_id(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return f"{digits[:2]}-{digits[2:]}" if len(digits) == 9 else value


def validate_tax_id(value: str) -> None:
    if not TAX_ID_RE.match((value or "").strip()):
        raise ValidationError(_("Enter the 9-digit EIN, such as 56-1234567."), code="tax_id")


def validate_vfc_pin(value: str) -> None:
    if value and not VFC_PIN_RE.match(value):
        raise ValidationError(_("Enter the 6 digits of your VFC PIN, such as 650123."), code="vfc_pin")


def _comparable(name: str) -> str:
    """A name as compared: accents, case, dots and spacing aside ("José  Núñez" = "jose nunez")."""
    decomposed = unicodedata.normalize("NFKD", name.replace(".", " "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def looks_like_a_name(value: str) -> bool:
    """A person's name, as far as a form can tell: letters, no e-mail address, no digits."""
    return bool(value.strip()) and "@" not in value and not any(c.isdigit() for c in value)


def signature_error(signature: str, *, signer_name: str) -> str | None:
    """What is wrong with `signature` as the signature of the person named `signer_name` (their
    name on their account, "" if they gave none), or None. A signature is the signer's own name:
    not an e-mail address, not someone else's name."""
    signature = " ".join(signature.split())
    if not signature:
        return str(_("Type your name to sign the agreement."))
    if not looks_like_a_name(signature):
        return str(_("Sign with your full name, not an e-mail address or a number."))
    if signer_name and _comparable(signature) != _comparable(signer_name):
        return str(
            _("Sign with your own name, as on your account: %(name)s. Only that person can sign here.")
            % {"name": signer_name}
        )
    if not signer_name and len(signature.split()) < 2:
        return str(_("Sign with your full name: your first and last name."))
    return None
