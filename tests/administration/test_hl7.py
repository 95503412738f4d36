"""HL7 v2.5.1 VXU^V04 messages against the CDC implementation guide, parsed with the `hl7` package."""

import dataclasses
from datetime import UTC, datetime

import hl7
import pytest

from administration.reporting.hl7 import FacilityIdentifier, Sender, escape, vxu_batch_lines, vxu_message
from administration.reporting.rows import Action
from tests.administration.reporting_rows import REFUSAL, VACCINATION

NOW = datetime(2021, 1, 16, 8, 5, 9, tzinfo=UTC)


def _message(dose, control_id="B1-1"):
    return hl7.parse(vxu_message(dose, control_id=control_id, now=NOW))


def _segment_names(message) -> list[str]:
    return [str(segment[0]) for segment in message]


def test_vaccination_message_has_the_segments_of_the_z22_grammar_in_order():
    assert _segment_names(_message(VACCINATION)) == [
        "MSH",
        "PID",
        "PD1",
        "NK1",
        "ORC",
        "RXA",
        "RXR",
        "OBX",
        "OBX",
        "OBX",
        "OBX",
        "OBX",
        "OBX",
    ]


def test_segments_end_with_carriage_returns():
    text = vxu_message(VACCINATION, control_id="B1-1", now=NOW)
    assert text.endswith("\r") and "\n" not in text


def test_msh_carries_the_conformance_values():
    message = _message(VACCINATION)
    assert message["MSH.F1"] == "|"
    assert str(message.segment("MSH")[2]) == "^~\\&"
    assert message["MSH.F3"] == "CVMS"
    assert message["MSH.F7"] == "20210116080509+0000"
    assert str(message.segment("MSH")[9]) == "VXU^V04^VXU_V04"
    assert message["MSH.F10"] == "B1-1"
    assert message["MSH.F11"] == "P"
    assert message["MSH.F12"] == "2.5.1"
    assert (message["MSH.F15"], message["MSH.F16"]) == ("ER", "AL")
    assert str(message.segment("MSH")[21]) == "Z22^CDCPHINVS"
    asked = hl7.parse(
        vxu_message(VACCINATION, control_id="B1-1", now=NOW, sender=Sender(responsible_org=True))
    )
    assert asked["MSH.F22.R1.C1"] == "Wake Health"  # CVRS responsible_org, where the receiver asks for it


def test_pid_carries_identity_demographics_and_address():
    message = _message(VACCINATION)
    assert message["PID.F1"] == "1"
    assert (message["PID.F3.R1.C1"], message["PID.F3.R1.C5"]) == ("R-77", "MR")
    assert [message[f"PID.F5.R1.C{n}"] for n in (1, 2, 3, 7)] == ["López", "Ana", "María", "L"]
    assert message["PID.F7"] == "19500304"
    assert message["PID.F8"] == "F"
    assert [message["PID.F10.R1.C1"], message["PID.F10.R2.C1"]] == ["2106-3", "2054-5"]
    assert message["PID.F10.R1.C3"] == "CDCREC"
    assert [message[f"PID.F11.R1.C{n}"] for n in (1, 2, 3, 4, 5, 9)] == [
        "12 Oak St",
        "Apt 3",
        "Raleigh",
        "NC",
        "27601",
        "37183",
    ]
    assert (message["PID.F13.R1.C6"], message["PID.F13.R1.C7"]) == ("919", "5551212")
    assert (message["PID.F22.R1.C1"], message["PID.F22.R1.C3"]) == ("2135-2", "CDCREC")


def test_fields_the_profile_marks_unsupported_are_not_sent():
    pid = _message(VACCINATION).segment("PID")
    for field in (2, 4, 9, 12, 19, 20, 21):
        assert len(pid) <= field or str(pid[field]) == ""


def test_pd1_and_nk1():
    message = _message(VACCINATION)
    assert (message["PD1.F16"], message["PD1.F17"]) == ("A", "20210115")
    assert message["NK1.F1"] == "1"
    assert (message["NK1.F2.R1.C1"], message["NK1.F2.R1.C2"]) == ("López", "Luis")
    assert message["NK1.F3.R1.C1"] == "SPO"


def test_nk1_is_left_out_when_no_next_of_kin_is_known():
    dose = dataclasses.replace(VACCINATION, guardian_last_name="", guardian_relationship="")
    assert "NK1" not in _segment_names(_message(dose))


def test_orc_and_rxa_of_a_new_administration():
    message = _message(VACCINATION)
    assert message["ORC.F1"] == "RE"
    assert message["ORC.F3.R1.C1"] == "CVMS-1001"
    assert message["ORC.F17.R1.C1"] == "NCA650001"
    assert (message["RXA.F1"], message["RXA.F2"], message["RXA.F3"]) == ("0", "1", "20210115")
    assert [message[f"RXA.F5.R1.C{n}"] for n in (1, 3, 4, 6)] == ["208", "CVX", "59267-1000-01", "NDC"]
    assert (message["RXA.F6"], message["RXA.F7.R1.C1"]) == ("0.3", "mL")
    assert (message["RXA.F9.R1.C1"], message["RXA.F9.R1.C3"]) == ("00", "NIP001")
    assert [message[f"RXA.F10.R1.C{n}"] for n in (2, 3, 21)] == ["Nurse", "Nina", "RN"]
    assert message["RXA.F11.R1.C4"] == "RALEIGH-01"  # the location's IIS facility id, not its name
    assert message["RXA.F11.R1.C6"] == "19"  # admin_type
    assert [message[f"RXA.F11.R1.C{n}"] for n in (9, 11, 12, 13, 16)] == [
        "1 Main St",
        "Raleigh",
        "NC",
        "27601-1234",
        "37183",
    ]
    assert (message["RXA.F15"], message["RXA.F16"]) == ("EL9261", "20210630")
    assert (message["RXA.F17.R1.C1"], message["RXA.F17.R1.C3"]) == ("PFR", "MVX")
    assert (message["RXA.F20"], message["RXA.F21"]) == ("CP", "A")
    assert str(message.segment("RXR")) == "RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163"


def test_obx_carry_eligibility_funding_dose_number_series_risk_and_serology():
    message = _message(VACCINATION)
    observations = {
        obx[3][0][0][0]: (str(obx[2]), str(obx[5]), str(obx[11])) for obx in message.segments("OBX")
    }
    assert observations == {
        "64994-7": ("CE", "V01^Not VFC eligible^HL70064", "F"),
        "30963-3": ("CE", "VXC1^Federal funds^CDCPHINVS", "F"),
        "30973-2": ("NM", "1", "F"),
        "59783-1": ("CE", "N^No^HL70136", "F"),
        "VXC8": ("CE", "Y^Yes^HL70136", "F"),
        "75505-8": ("CE", "UNK^Unknown^NullFlavor", "F"),
    }
    assert [str(obx[1]) for obx in message.segments("OBX")] == ["1", "2", "3", "4", "5", "6"]
    eligibility = message.segments("OBX")[0]
    assert str(eligibility[17]) == "VXC40^Eligibility captured at the immunization level^CDCPHINVS"
    dose_number = message.segments("OBX")[2]
    assert str(dose_number[6]) == "NA^^HL70353"  # OBX-6 is required when OBX-2 is NM


def test_refusal_is_rxa_20_re_with_the_reason_and_no_vaccine_details():
    message = _message(REFUSAL)
    assert _segment_names(message) == ["MSH", "PID", "PD1", "ORC", "RXA", "OBX", "OBX"]
    assert message["ORC.F3"] == "9999"  # the IG's rule for RE/NA
    assert message["ORC.F2.R1.C1"] == "CVMS-1002"
    assert message["RXA.F6"] == "999"
    assert str(message.segment("RXA")[18]) == "03^Patient decision^NIP002"
    assert message["RXA.F20"] == "RE"
    rxa = message.segment("RXA")
    for field in (7, 9, 15, 16, 17):  # units, source, lot, expiry, manufacturer
        assert str(rxa[field]) == ""


@pytest.mark.parametrize(("action", "code"), [(Action.UPDATE, "U"), (Action.DELETE, "D")])
def test_corrections_and_voids_are_sent_with_the_action_code(action, code):
    message = _message(dataclasses.replace(VACCINATION, action=action))
    assert message["RXA.F21"] == code
    assert message["ORC.F3.R1.C1"] == "CVMS-1001"  # the same event as first reported


def test_historical_dose_says_so_in_rxa_9():
    assert _message(dataclasses.replace(VACCINATION, historical=True))["RXA.F9.R1.C1"] == "01"


def test_delimiters_in_data_are_escaped_and_read_back():
    dose = dataclasses.replace(
        VACCINATION, last_name="O'Neil|Smith^Jr", first_name="A&B~C", admin_street="Back\\slash street"
    )
    message = _message(dose)
    assert _segment_names(message)[:2] == ["MSH", "PID"]
    assert len(message.segment("PID")[5][0]) == 7  # still seven components
    assert (message["PID.F5.R1.C1"], message["PID.F5.R1.C2"]) == ("O'Neil|Smith^Jr", "A&B~C")
    assert message["RXA.F11.R1.C9"] == "Back\\slash street"


def test_escape_covers_every_delimiter_and_line_breaks():
    assert escape("a|b^c&d~e\\f\r\ng") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f g"


def test_sender_settings_fill_msh_3_to_6():
    sender = Sender(application="APP", facility="FAC", receiving_application="IIS", receiving_facility="ST")
    message = hl7.parse(
        vxu_message(
            dataclasses.replace(VACCINATION, organization_id=""), control_id="X", now=NOW, sender=sender
        )
    )
    assert [message[f"MSH.F{n}"] for n in (3, 4, 5, 6)] == ["APP", "FAC", "IIS", "ST"]


def test_batch_file_wraps_every_message_and_counts_them():
    doses = [VACCINATION, REFUSAL, dataclasses.replace(VACCINATION, event_id="CVMS-1003")]
    text = "".join(vxu_batch_lines(doses, batch_id="B7", now=NOW))
    parsed = hl7.parse_file(text)
    assert str(parsed.header[0]) == "FHS" and str(parsed.trailer[0]) == "FTS"
    (batch,) = parsed
    assert str(batch.header[0]) == "BHS" and str(batch.header[11]) == "B7"
    assert str(batch.trailer) == "BTS|3"
    assert [str(message.segment("MSH")[10]) for message in batch] == ["B7-1", "B7-2", "B7-3"]
    assert [message["RXA.F20"] for message in batch] == ["CP", "RE", "CP"]


def test_empty_batch_is_still_a_valid_file():
    parsed = hl7.parse_file("".join(vxu_batch_lines([], batch_id="B0", now=NOW)))
    (batch,) = parsed
    assert len(batch) == 0 and str(batch.trailer) == "BTS|0"


# --- What a strict HL7 2.5.1 receiver needs (issue 16) ----------------------------------------


def test_msh_22_is_left_out_unless_the_receiver_asks_for_it():
    msh = vxu_message(VACCINATION, control_id="B1-1", now=NOW).split("\r")[0]
    assert len(msh.split("|")) == 21  # MSH-21 is the last field of base 2.5.1
    assert msh.endswith("|Z22^CDCPHINVS")


def test_msh_18_declares_utf_8_for_names_with_accents():
    assert _message(VACCINATION)["MSH.F18"] == "UNICODE UTF-8"


def test_msh_4_is_the_submitting_organization():
    assert _message(VACCINATION)["MSH.F4"] == "NCA650001"


def test_control_id_longer_than_20_characters_is_refused():
    with pytest.raises(ValueError, match="MSH-10"):
        vxu_message(VACCINATION, control_id="CVMS20210116080509-12", now=NOW)


def test_rxa_4_repeats_rxa_3_as_base_2_5_1_requires():
    message = _message(VACCINATION)
    assert message["RXA.F4"] == message["RXA.F3"] == "20210115"


def test_rxa_11_4_is_the_pin_where_the_registry_keys_facilities_on_it():
    sender = Sender(facility_identifier=FacilityIdentifier.PIN)
    message = hl7.parse(vxu_message(VACCINATION, control_id="X", now=NOW, sender=sender))
    assert message["RXA.F11.R1.C4"] == "NCA650001"


def test_rxa_11_4_falls_back_to_the_pin_for_a_location_without_an_iis_facility_id():
    message = _message(dataclasses.replace(VACCINATION, facility_id=""))
    assert message["RXA.F11.R1.C4"] == "NCA650001"


def test_an_address_abroad_is_not_sent_as_in_the_usa():
    dose = dataclasses.replace(VACCINATION, city="Ottawa", state="ON", zip_code="K1M 1M4", county_fips="")
    message = _message(dose)
    assert [message[f"PID.F11.R1.C{n}"] for n in (3, 4, 5, 6)] == ["Ottawa", "ON", "K1M 1M4", ""]
