"""The CVRS extract against the CDC's specification (tests/fixtures/cvrs.toml), column by column."""

import dataclasses
import re
import tomllib
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from administration.reporting import cvrs
from administration.reporting.rows import DoseReport
from tests.administration.reporting_rows import REFUSAL, VACCINATION

REFERENCE = tomllib.loads((Path(__file__).parents[1] / "fixtures" / "cvrs.toml").read_text(encoding="utf-8"))


def _parse(lines) -> list[dict[str, str]]:
    header, *rows = "".join(lines).split("\n")[:-1]
    names = header.split("\t")
    return [dict(zip(names, row.split("\t"), strict=True)) for row in rows]


def test_columns_are_the_45_elements_of_the_reference_in_order():
    elements = REFERENCE["elements"]
    assert [element["number"] for element in elements] == list(range(1, 46))
    assert list(cvrs.COLUMNS) == [element["variable"] for element in elements]


def test_header_matches_the_reference_example_header():
    assert cvrs.cvrs_header() == "\t".join(REFERENCE["example_header"]) + "\n"


@pytest.mark.parametrize(
    ("variable", "value_set"),
    [
        ("recip_sex", cvrs.SEX),
        ("recip_ethnicity", cvrs.ETHNICITY),
        ("vax_admin_site", cvrs.SITE),
        ("vax_route", cvrs.ROUTE_NCIT),
        ("dose_num", cvrs.DOSE_NUM),
        ("ext_type", cvrs.EXT_TYPE),
    ],
)
def test_value_sets_are_those_of_the_reference(variable, value_set):
    assert set(REFERENCE["value_sets"][variable]) == set(value_set)


def test_race_value_set_is_that_of_the_reference():
    assert set(REFERENCE["value_sets"]["recip_race"]) == set(cvrs.RACE)


def test_admin_type_value_set_is_1_to_28_and_unk():
    assert set(cvrs.ADMIN_TYPE) == {str(n) for n in range(1, 29)} | {"UNK"}


def test_vaccination_row_matches_the_specification_field_by_field():
    (row,) = _parse(cvrs.cvrs_lines([VACCINATION]))
    assert row == {
        "vax_event_id": "CVMS-1001",
        "ext_type": "D",
        "pprl_id": "",
        "recip_id": "R-77",
        "recip_first_name": "Redacted",
        "recip_middle_name": "Redacted",
        "recip_last_name": "Redacted",
        "recip_dob": "1950-03-04",
        "recip_sex": "F",
        "recip_address_street": "Redacted",
        "recip_address_street_2": "Redacted",
        "recip_address_city": "Redacted",
        "recip_address_county": "37183",
        "recip_address_state": "NC",
        "recip_address_zip": "27601",
        "recip_race_1": "2106-3",
        "recip_race_2": "2054-5",
        "recip_race_3": "",
        "recip_race_4": "",
        "recip_race_5": "",
        "recip_race_6": "",
        "recip_ethnicity": "2135-2",
        "admin_date": "2021-01-15",
        "cvx": "208",
        "ndc": "59267-1000-01",
        "mvx": "PFR",
        "lot_number": "EL9261",
        "vax_expiration": "2021-06-30",
        "vax_admin_site": "LD",
        "vax_route": "C28161",
        "dose_num": "1",
        "vax_series_complete": "NO",
        "responsible_org": "Wake Health",
        "admin_name": "Raleigh Clinic",
        "vtrcks_prov_pin": "123456",
        "admin_type": "19",
        "admin_address_street": "1 Main St",
        "admin_address_street_2": "Suite 300",
        "admin_address_city": "Raleigh",
        "admin_address_county": "37183",
        "admin_address_state": "NC",
        "admin_address_zip": "27601-1234",
        "vax_refusal": "NO",
        "cmorbid_status": "YES",
        "serology": "UNK",
    }


def test_refusal_row_leaves_the_vaccine_fields_empty():
    (row,) = _parse(cvrs.cvrs_lines([REFUSAL]))
    assert row["vax_refusal"] == "YES"
    assert row["cvx"] == "208"
    assert row["admin_date"] == "2021-01-16"
    assert {name: row[name] for name in cvrs.EMPTY_FOR_REFUSAL} == dict.fromkeys(cvrs.EMPTY_FOR_REFUSAL, "")
    assert row["recip_race_1"] == "UNK"


def test_identified_extract_carries_names_and_street_address():
    (row,) = _parse(cvrs.cvrs_lines([VACCINATION], extract_type=cvrs.ExtractType.IDENTIFIED))
    assert row["ext_type"] == "I"
    assert (row["recip_first_name"], row["recip_middle_name"], row["recip_last_name"]) == (
        "Ana",
        "María",
        "López",
    )
    assert (row["recip_address_street"], row["recip_address_street_2"], row["recip_address_city"]) == (
        "12 Oak St",
        "Apt 3",
        "Raleigh",
    )


def test_cdc_sample_row_is_reproduced():
    """The vaccination line of the CDC validator's test file (testgood.txt); the data are not
    case-sensitive, so the sample's "No" is our "NO"."""
    expected = REFERENCE["example_vaccination_row"]
    dose = DoseReport(
        event_id="good4_sample4",
        recipient_id="4",
        birth_date=date(2015, 8, 26),
        sex="F",
        county_fips="26001",
        state="MI",
        zip_code="48787",
        races=("UNK",),
        ethnicity="UNK",
        administered_at=datetime(2020, 10, 4, 12, tzinfo=UTC),
        cvx="900",
        ndc="80777-9999-00",
        mvx="AAA",
        lot_number="M9999-05",
        lot_expiration=date(2020, 11, 1),
        site="RVL",
        route="C38276",
        dose_number="1",
        series_complete="No",
        responsible_org="COVID-D",
        admin_name="Library",
        vtrcks_pin="577689",
        admin_type="1",
        admin_county_fips="26011",
        comorbidity="UNK",
        serology="UNK",
    )
    assert [v.upper() for v in cvrs.cvrs_record(dose)] == [v.upper() for v in expected]


def test_tabs_and_line_breaks_in_data_become_spaces():
    dose = dataclasses.replace(VACCINATION, admin_name="Raleigh\tClinic\nNorth", lot_number="EL\t9261")
    (line,) = list(cvrs.cvrs_lines([dose]))[1:]
    assert line.count("\t") == 44 and line.endswith("\n") and line.count("\n") == 1
    row = dict(zip(cvrs.COLUMNS, line.rstrip("\n").split("\t"), strict=True))
    assert (row["admin_name"], row["lot_number"]) == ("Raleigh Clinic North", "EL 9261")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"recipient_id": ""}, "recip_id is required"),
        ({"recipient_id": "R 77"}, "recip_id 'R 77': must be a value that has no spaces"),
        ({"sex": "X"}, "recip_sex 'X'"),
        ({"site": "LEFT"}, "vax_admin_site 'LEFT'"),
        ({"route": "C99999"}, "vax_route 'C99999'"),
        ({"dose_number": "7"}, "dose_num '7'"),
        ({"dose_number": ""}, "dose_num is required"),
        ({"zip_code": "2760"}, "recip_address_zip '2760'"),
        ({"county_fips": "183"}, "recip_address_county '183'"),
        ({"vtrcks_pin": "12345"}, "vtrcks_prov_pin '12345'"),
        ({"admin_type": "29"}, "admin_type '29'"),
        ({"races": ("2106-3", "UNK")}, "recip_race_2 'UNK'"),
        ({"birth_date": None}, "recip_dob is required"),
        ({"responsible_org": ""}, "responsible_org is required"),
    ],
)
def test_invalid_dose_is_refused_with_the_field_named(change, message):
    dose = dataclasses.replace(VACCINATION, **change)
    with pytest.raises(cvrs.CVRSError, match=re.escape(message)) as error:
        list(cvrs.cvrs_lines([dose]))
    assert "CVMS-1001" in str(error.value)


def test_file_name_follows_the_convention():
    assert (
        cvrs.cvrs_file_name(reported_on=date(2021, 1, 15), sequence=2, entity="NCA") == "20210115_02_NCA.txt"
    )


def test_file_name_refuses_a_bad_entity_code():
    with pytest.raises(ValueError, match="3 characters"):
        cvrs.cvrs_file_name(reported_on=date(2021, 1, 15), sequence=1, entity="NC")


def test_split_makes_files_of_at_most_the_limit_each_with_a_header():
    doses = (dataclasses.replace(VACCINATION, event_id=f"E{n}") for n in range(5))
    files = [list(lines) for lines in cvrs.cvrs_split(doses, per_file=2)]
    assert [len(lines) for lines in files] == [3, 3, 2]
    assert all(lines[0] == cvrs.cvrs_header() for lines in files)
    assert [line.split("\t")[0] for lines in files for line in lines[1:]] == [f"E{n}" for n in range(5)]


def test_writer_streams_without_holding_rows():
    """Memory does not grow with the number of rows (the bench measures a million)."""

    def doses(count):
        for n in range(count):
            yield dataclasses.replace(VACCINATION, event_id=f"E{n}")

    def peak(count):
        tracemalloc.start()
        for _line in cvrs.cvrs_lines(doses(count)):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(5_000) < peak(100) * 2 + 50_000
