"""The printed forms, rendered with WeasyPrint from templates over plain data.

- The "Recipient Registration and Vaccine Administration Form": one page per form, each with its
  printed form number and a QR code of it; blank, or prefilled with a booked person's details.
- The "Inventory Levels" form: a location's products and lots, with the ledger's count printed
  and blank boxes for the count, the doses wasted and the reason (the inventory levels screen).

The templates use tables and blocks, no nested flex layouts (very slow in WeasyPrint, NOTES.md).
"""

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import qrcode
from django.template.loader import render_to_string
from django.utils import translation
from qrcode.image.svg import SvgPathImage

from administration.offline.fields import FIELDS
from administration.offline.numbers import form_number_display


@dataclass(frozen=True)
class PrefilledPerson:
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    sex: str = ""
    races: str = ""  # labels, as the person chose them
    ethnicity: str = ""
    street: str = ""
    street_2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    phone: str = ""
    email: str = ""
    appointment: datetime | None = None
    dose_number: int | None = None


@dataclass(frozen=True)
class RegistrationPage:
    form_number: str
    person: PrefilledPerson | None = None


@dataclass(frozen=True)
class FormHeading:
    """What every page of a batch says about where the forms are used."""

    organization: str
    location: str
    pin: str = ""
    clinic_date: date | None = None
    product: str = ""  # the clinic's vaccine: name and NDC
    screening_questions: tuple[str, ...] = ()
    choices: dict = field(default_factory=dict)  # printed tick-box options per field key


@dataclass(frozen=True)
class InventoryLine:
    product: str
    ndc: str
    lot_number: str
    expires_on: date
    ledger_on_hand: int


@dataclass(frozen=True)
class InventoryLevelsSheet:
    organization: str
    location: str
    pin: str
    printed_on: date
    lines: tuple[InventoryLine, ...]
    waste_reasons: tuple[str, ...] = ()
    form_number: str = ""


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI (WeasyPrint draws SVG crisply at any size)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    svg = code.make_image(image_factory=SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _pdf(template: str, context: dict, *, language: str) -> bytes:
    import weasyprint  # imported here: loading Pango is slow and only PDF jobs need it

    with translation.override(language):
        html = render_to_string(template, context)
    return weasyprint.HTML(string=html).write_pdf()


def registration_forms_pdf(
    pages: Iterable[RegistrationPage], *, heading: FormHeading, language: str = "en"
) -> bytes:
    rendered = [
        {
            "number": form_number_display(page.form_number),
            "qr": qr_data_uri(page.form_number),
            "person": page.person,
            "sections": _sections(page.person),
        }
        for page in pages
    ]
    return _pdf(
        "administration/offline/registration_form.html",
        {"pages": rendered, "heading": heading},
        language=language,
    )


def _sections(person: PrefilledPerson | None) -> dict[str, list[tuple]]:
    """The form's fields by section, each with what is printed in its box."""
    sections: dict[str, list[tuple]] = {}
    for form_field in FIELDS:
        if form_field.key == "form_number":
            continue  # printed in the heading
        value = getattr(person, form_field.key, "") if person else ""
        if isinstance(value, date):
            value = value.isoformat()
        sections.setdefault(form_field.section, []).append((form_field, value or ""))
    return sections


def inventory_levels_pdf(sheet: InventoryLevelsSheet, *, language: str = "en") -> bytes:
    context = {"sheet": sheet}
    if sheet.form_number:
        context |= {"number": form_number_display(sheet.form_number), "qr": qr_data_uri(sheet.form_number)}
    return _pdf("administration/offline/inventory_levels.html", context, language=language)
