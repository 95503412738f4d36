"""The printed forms, rendered with WeasyPrint from templates over plain data.

- The "Recipient Registration and Vaccine Administration Form": one page per form, each with its
  printed form number and a QR code of it; blank, or prefilled with a booked person's details.
- The "Inventory Levels" form: a location's products and lots, with the ledger's count printed
  and blank boxes for the count, the doses wasted and the reason (the inventory levels screen).

The templates use tables and blocks, no nested flex layouts (very slow in WeasyPrint, NOTES.md).
"""

import base64
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import qrcode
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image

from administration.offline import stamping
from administration.offline.fields import FIELDS
from administration.offline.numbers import form_number_display

QR_VERSION_1_ALPHANUMERIC = 20  # characters a version 1 code holds at level M
FORM_TEMPLATE = "administration/offline/registration_form.html"
VALUE_FONT_PT = 10  # a box's value (registration_form_style.html, .value)


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
    """A QR code of `text` as a PNG data URI, one pixel a module, printed without smoothing
    (the template's `image-rendering: pixelated`): as crisp as an SVG at any size, but drawn in
    microseconds where WeasyPrint took 70 ms to parse the SVG's path. The version and mask are
    fixed (a form number always fits version 1): choosing them took most of qrcode's time."""
    code = qrcode.QRCode(
        version=1, error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=0
    )
    code.add_data(text)
    code.make(fit=len(text) > QR_VERSION_1_ALPHANUMERIC)
    matrix = code.get_matrix()
    image = Image.new("1", (len(matrix), len(matrix)))
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    png = io.BytesIO()
    image.save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def _pdf(template: str, context: dict, *, language: str) -> bytes:
    import weasyprint  # imported here: loading Pango is slow and only PDF jobs need it

    with translation.override(language):
        html = render_to_string(template, context)
    return weasyprint.HTML(string=html).write_pdf()


def registration_forms_pdf(
    pages: Iterable[RegistrationPage], *, heading: FormHeading, language: str = "en"
) -> bytes:
    """One document of forms, a page each: the form laid out once, and each page's number, QR
    code and person stamped over it (stamping.py); a page whose details might not fit their boxes
    on one line is laid out whole, as its boxes grow."""
    rendered = [
        {
            "number": form_number_display(page.form_number),
            "qr": qr_data_uri(page.form_number),
            "person": page.person,
            "sections": _sections(page.person),
        }
        for page in pages
    ]
    with translation.override(language):
        return _forms_stamped(rendered, heading)


def _forms_stamped(rendered: list[dict], heading: FormHeading) -> bytes:
    import weasyprint  # imported here: loading Pango is slow and only PDF jobs need it

    # The form laid out once with empty boxes, the appointment line if a page has one.
    specimen = next((page for page in rendered if page["person"] and page["person"].appointment), None)
    form_page = {**(specimen or (rendered[:1] or [{}])[0]), "sections": _sections(None)}
    form = weasyprint.HTML(
        string=render_to_string(FORM_TEMPLATE, {"pages": [form_page], "heading": heading, "unstamped": True})
    ).render()
    places = stamping.field_places(form)
    stamped, whole, whole_at = [], [], []
    for index, page in enumerate(rendered):
        values = _stamped_values(page, places)
        if values is None:
            whole.append(page)
            whole_at.append(index)
        else:
            stamped.append({**page, "stamped": values})
    if not stamped:
        return weasyprint.HTML(
            string=render_to_string(FORM_TEMPLATE, {"pages": whole, "heading": heading})
        ).write_pdf()
    stamps = render_to_string(
        "administration/offline/form_stamps.html",
        {
            "pages": stamped,
            "stamp_at": places["stamp"].style(),
            "appointment_at": places["appointment"].style() if specimen else "",
        },
    )
    pdf = stamping.under_each_page(
        form_pdf=form.write_pdf(), stamps_pdf=weasyprint.HTML(string=stamps).write_pdf()
    )
    if whole:
        laid_out = render_to_string(FORM_TEMPLATE, {"pages": whole, "heading": heading})
        pdf = stamping.pages_inserted(
            pdf, pages_pdf=weasyprint.HTML(string=laid_out).write_pdf(), at=whole_at
        )
    return pdf


def _stamped_values(page: dict, places: dict[str, stamping.Place]) -> list[tuple[str, str]] | None:
    """Each filled box's place and value, or None when a value might not fit its box's line."""
    values = []
    for section in page["sections"].values():
        for form_field, value in section:
            if not value:
                continue
            place = places[form_field.key]
            if not place.fits(str(value), font_pt=VALUE_FONT_PT):
                return None
            values.append((place.style(), value))
    return values


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
