import pytest
from django.core.exceptions import ValidationError

from enrollment.validators import (
    normalize_licence,
    normalize_phone,
    validate_licence_number,
    validate_phone,
    validate_tax_id,
    validate_zip,
)


@pytest.mark.parametrize("value", ["RPH12345", "2009-01234", "NH0123", "1234", "ab 1234", "A1B2C3D4E5"])
def test_licence_number_accepts_board_shapes(value):
    validate_licence_number(value)


@pytest.mark.parametrize(
    "value",
    ["", "12", "ABCDEFG", "RPH/12345", "A1B2C3D4E5F", "12345678901", "--1234", "12-34-56", "lic#1234"],
)
def test_licence_number_refuses_other_shapes(value):
    with pytest.raises(ValidationError) as raised:
        validate_licence_number(value)
    assert "4 to 10 letters or digits" in raised.value.messages[0]


def test_licence_number_is_stored_upper_case_without_spaces():
    assert normalize_licence(" rph 12345 ") == "RPH12345"


@pytest.mark.parametrize("value", ["919-555-0100", "(919) 555-0100", "9195550100", "+1 919 555 0100"])
def test_phone_accepts_us_numbers_and_normalizes_them(value):
    validate_phone(value)
    assert normalize_phone(value) == "919-555-0100"


@pytest.mark.parametrize("value", ["555-0100", "919-555-01000", "phone"])
def test_phone_refuses_other_shapes(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


@pytest.mark.parametrize(
    "value,ok", [("27601", True), ("27601-1234", True), ("2760", False), ("ABCDE", False)]
)
def test_zip_code_shape(value, ok):
    if ok:
        validate_zip(value)
    else:
        with pytest.raises(ValidationError):
            validate_zip(value)


@pytest.mark.parametrize("value,ok", [("56-1234567", True), ("561234567", True), ("56-12345", False)])
def test_tax_id_shape(value, ok):
    if ok:
        validate_tax_id(value)
    else:
        with pytest.raises(ValidationError):
            validate_tax_id(value)
