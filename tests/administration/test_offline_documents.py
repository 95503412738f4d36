"""The printed forms: form numbers, and the PDFs' text read back with pypdf."""

import io
import shutil
import subprocess
from datetime import date, datetime

import pypdf
import pytest
import zxingcpp
from PIL import Image, ImageChops

from administration.offline import documents, stamping
from administration.offline.fields import FIELDS
from administration.offline.numbers import (
    ALPHABET,
    InvalidFormNumber,
    form_number_display,
    form_number_new,
    form_number_parse,
)

HEADING = documents.FormHeading(
    organization="Wake Health",
    location="Raleigh Clinic",
    pin="NCA650001",
    clinic_date=date(2021, 2, 1),
    product="Pfizer-BioNTech COVID-19 Vaccine (59267-1000-01)",
    screening_questions=("Do you feel sick today?", "Have you had a severe allergic reaction to a vaccine?"),
)


def _pages_text(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


# --- form numbers --------------------------------------------------------------------------------


def test_form_numbers_are_eleven_symbols_and_read_back_as_typed():
    number = form_number_new()
    assert len(number) == 11 and set(number) <= set(ALPHABET)
    assert form_number_parse(form_number_display(number).lower()) == number
    assert form_number_parse(" ".join(number)) == number


def test_form_numbers_differ():
    assert len({form_number_new() for _ in range(1000)}) == 1000


def test_form_number_with_one_mistyped_symbol_is_refused():
    number = form_number_new()
    for position in range(len(number)):
        for symbol in ALPHABET:
            if symbol != number[position]:
                typo = number[:position] + symbol + number[position + 1 :]
                with pytest.raises(InvalidFormNumber, match="typo"):
                    form_number_parse(typo)


def test_form_number_of_the_wrong_length_is_refused():
    with pytest.raises(InvalidFormNumber, match="11 letters and digits"):
        form_number_parse("ABC-123")


def test_letters_that_look_like_digits_are_read_as_the_digits():
    number = next(n for n in iter(form_number_new, None) if n.startswith("1"))
    assert form_number_parse("I" + number[1:]) == number == form_number_parse("l" + number[1:])


# --- registration and administration form ------------------------------------------------------


def test_blank_forms_render_one_page_each_with_its_number_and_every_field():
    numbers = [form_number_new() for _ in range(3)]
    pdf = documents.registration_forms_pdf([documents.RegistrationPage(n) for n in numbers], heading=HEADING)
    pages = _pages_text(pdf)
    assert len(pages) == 3
    for number, text in zip(numbers, pages, strict=True):
        assert "Recipient Registration and Vaccine Administration Form" in text
        assert f"Form {form_number_display(number)}" in text
        assert "Wake Health — Raleigh Clinic · PIN NCA650001" in text
        assert "Do you feel sick today?" in text
        for form_field in FIELDS:
            if form_field.key != "form_number":
                assert str(form_field.label) in text


def test_prefilled_form_prints_the_persons_details_and_appointment():
    person = documents.PrefilledPerson(
        first_name="Ana",
        last_name="López",
        date_of_birth=date(1950, 3, 4),
        sex="F",
        city="Raleigh",
        appointment=datetime(2021, 2, 1, 9, 15),
        dose_number=2,
    )
    (text,) = _pages_text(
        documents.registration_forms_pdf(
            [documents.RegistrationPage(form_number_new(), person)], heading=HEADING
        )
    )
    assert "López" in text and "1950-03-04" in text and "Raleigh" in text
    assert "Appointment: 2021-02-01 09:15 · Dose 2" in text


def test_a_batch_keeps_its_order_with_a_person_whose_details_need_more_than_a_line():
    """Stamped pages print each value on one line; a page whose value might wrap is laid out
    whole (its box grows) and keeps its place in the batch."""
    long_street = "Apartment Complex of the Very Long Name, Building 12, Staircase B, Floor 3"
    people = [
        documents.PrefilledPerson(first_name="Ana", last_name="Short", city="Raleigh"),
        documents.PrefilledPerson(first_name="Bea", last_name="Long", street=long_street),
        None,
    ]
    numbers = [form_number_new() for _ in people]
    pages = _pages_text(
        documents.registration_forms_pdf(
            [documents.RegistrationPage(n, p) for n, p in zip(numbers, people, strict=True)], heading=HEADING
        )
    )
    assert len(pages) == 3
    for number, text in zip(numbers, pages, strict=True):
        assert f"Form {form_number_display(number)}" in text
        assert "Legal first name" in text and "Vaccinator (e-mail)" in text
    assert "Ana" in pages[0] and "Short" in pages[0] and "Raleigh" in pages[0]
    assert "Bea" in pages[1] and long_street in pages[1]
    assert "Short" not in pages[1] + pages[2] and "Bea" not in pages[0] + pages[2]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils)")
# Two numbers whose stamp a place rounded to 0.01 px drew a pixel apart, and one drawn at random.
@pytest.mark.parametrize("number", ["A1VW3H81Z2D", "5YQXMW0HW5P", None])
def test_a_stamped_form_prints_exactly_as_the_form_laid_out_whole(tmp_path, monkeypatch, number):
    person = documents.PrefilledPerson(
        first_name="Ana",
        last_name="López",
        date_of_birth=date(1950, 3, 4),
        city="Raleigh",
        email="ana@example.org",
        appointment=datetime(2021, 2, 1, 9, 15),
        dose_number=2,
    )
    pages = [documents.RegistrationPage(number or form_number_new(), person)]
    (tmp_path / "stamped.pdf").write_bytes(documents.registration_forms_pdf(pages, heading=HEADING))
    monkeypatch.setattr(stamping, "WIDEST_CHARACTER_EM", 1000)  # no value fits: laid out whole
    (tmp_path / "whole.pdf").write_bytes(documents.registration_forms_pdf(pages, heading=HEADING))
    for name in ("stamped", "whole"):
        subprocess.run(
            ["pdftoppm", "-r", "100", "-png", "-singlefile", f"{name}.pdf", name], cwd=tmp_path, check=True
        )
    stamped, whole = (Image.open(tmp_path / f"{name}.png").convert("L") for name in ("stamped", "whole"))
    assert ImageChops.difference(stamped, whole).getbbox() is None


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils)")
def test_printed_qr_code_reads_as_the_form_number(tmp_path):
    number = form_number_new()
    (tmp_path / "form.pdf").write_bytes(
        documents.registration_forms_pdf([documents.RegistrationPage(number)], heading=HEADING)
    )
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "form.pdf", "page"], cwd=tmp_path, check=True
    )
    (read,) = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert read.text == number


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils)")
def test_each_blank_form_of_a_batch_carries_its_own_number_and_qr_code(tmp_path):
    numbers = [form_number_new() for _ in range(3)]
    pdf = documents.registration_forms_pdf([documents.RegistrationPage(n) for n in numbers], heading=HEADING)
    (tmp_path / "forms.pdf").write_bytes(pdf)
    for page, number in enumerate(numbers, start=1):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-png",
                "-singlefile",
                "-f",
                str(page),
                "-l",
                str(page),
                "forms.pdf",
                "page",
            ],
            cwd=tmp_path,
            check=True,
        )
        (read,) = zxingcpp.read_barcodes(
            Image.open(tmp_path / "page.png"), formats=zxingcpp.BarcodeFormat.QRCode
        )
        assert read.text == number
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "forms.pdf", "-"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert f"Form {form_number_display(number)}" in text
        assert "Legal first name" in text and "Vaccinator (e-mail)" in text
        assert all(form_number_display(other) not in text for other in numbers if other != number)


def test_a_batch_of_blank_forms_carries_the_laid_out_form_once():
    def size(count):
        pages = [documents.RegistrationPage(form_number_new()) for _ in range(count)]
        return len(documents.registration_forms_pdf(pages, heading=HEADING))

    # Twenty forms: the form's text, lines and fonts once, then a number and a QR code a page
    # (about 1.2 KB each, against 22 KB for the form itself: a form laid out again per page
    # would add its own size each time).
    one = size(1)
    assert (size(20) - one) / 19 < one / 10


def test_spanish_forms_are_rendered_in_spanish():
    pdf = documents.registration_forms_pdf(
        [documents.RegistrationPage(form_number_new())], heading=HEADING, language="es"
    )
    assert _pages_text(pdf)  # renders; the Spanish catalogue is checked by the i18n tests


# --- inventory levels form ---------------------------------------------------------------------


def test_inventory_levels_form_lists_each_lot_with_the_ledger_count():
    sheet = documents.InventoryLevelsSheet(
        organization="Wake Health",
        location="Raleigh Clinic",
        pin="NCA650001",
        printed_on=date(2021, 2, 1),
        lines=(
            documents.InventoryLine("Pfizer-BioNTech", "59267-1000-01", "EL9261", date(2021, 6, 30), 120),
            documents.InventoryLine("Moderna", "80777-0273-10", "011J20A", date(2021, 7, 31), 40),
        ),
        waste_reasons=("Broken vial or syringe", "Expired"),
    )
    (text,) = _pages_text(documents.inventory_levels_pdf(sheet))
    assert "Inventory Levels" in text
    assert "Wake Health — Raleigh Clinic · PIN NCA650001" in text
    assert "Pfizer-BioNTech 59267-1000-01 EL9261 2021-06-30 120" in text
    assert "Moderna 80777-0273-10 011J20A 2021-07-31 40" in text
    for heading in ("Ledger says", "Doses on hand (counted)", "Doses wasted", "Reason"):
        assert heading in text
    assert "Reasons: Broken vial or syringe · Expired" in text


def test_inventory_levels_form_without_stock_says_so():
    sheet = documents.InventoryLevelsSheet("Wake Health", "Raleigh Clinic", "", date(2021, 2, 1), ())
    (text,) = _pages_text(documents.inventory_levels_pdf(sheet))
    assert "No doses on hand at this location." in text
