"""The registry's acknowledgements close the loop (issue 16, acceptance 2): each ACK finds its
message, AA marks the record accepted, AE/AR puts it back in the queue with the error shown to
the state, and after a correction the next --since-last export sends it again."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from administration.models import AdministrationRecord, Hl7Message
from administration.reporting.acks import AckFileError, acks_read
from administration.services import recording, registry
from cvms.models import AuditEvent
from cvms.roles import Role
from tests.administration.factories import AdministrationRecordFactory, Hl7MessageFactory, hl7_sent_version
from tests.administration.test_exports import _with_mfa
from tests.factories import member

pytestmark = pytest.mark.django_db

# The CDC IG's example (Appendix A), with the user message where the IG puts it.
PATIENT_NAME_MISSING = "|".join(
    [
        "ERR",
        "",
        "PID^1^5",
        "101^required field missing^HL70357",
        "E",
        "7^required data Missing^HL70533",
        "",
        "",
        "",
        "Patient name is required",
    ]
)


def _ack(control_id: str, code: str, *errors: str) -> str:
    return (
        "\r".join(
            [
                f"MSH|^~\\&|NCIR|NCDHHS|CVMS|NCA|20210116080000-0500||ACK^V04^ACK|A{control_id}|P|2.5.1|||NE|NE|||||Z23^CDCPHINVS",
                f"MSA|{code}|{control_id}",
                *errors,
            ]
        )
        + "\r"
    )


def _export(tmp_path, name="batch.hl7") -> str:
    output = tmp_path / name
    call_command("export_hl7", "-o", str(output), "--since-last", stdout=io.StringIO())
    with output.open(encoding="utf-8", newline="") as batch:  # keep HL7's CR segment ends
        return batch.read()


def _control_ids(text: str) -> dict[str, str]:
    """Event id (ORC-3, or ORC-2 for a refusal) → MSH-10, for each message of a batch."""
    found, control = {}, None
    for segment in text.split("\r"):
        fields = segment.split("|")
        if fields[0] == "MSH":
            control = fields[9]
        elif fields[0] == "ORC":
            found[(fields[3] if fields[3] != "9999" else fields[2]).split("^")[0]] = control
    return found


@pytest.fixture
def sent(tmp_path):
    """Two doses sent in one batch."""
    given = timezone.now() - timedelta(minutes=30)
    accepted, refused = AdministrationRecordFactory.create_batch(2, administered_at=given)
    ids = _control_ids(_export(tmp_path))
    return {"accepted": accepted, "refused": refused, "ids": ids}


def test_an_ack_file_with_an_aa_and_an_ae_marks_one_accepted_and_puts_the_other_back_in_the_queue(
    sent, tmp_path, client, personas
):
    accepted, refused, ids = sent["accepted"], sent["refused"], sent["ids"]
    acks = tmp_path / "acks.hl7"
    acks.write_text(
        _ack(ids[accepted.event_id], "AA") + _ack(ids[refused.event_id], "AE", PATIENT_NAME_MISSING),
        encoding="utf-8",
    )

    said = io.StringIO()
    call_command("import_hl7_acks", str(acks), stdout=said)

    assert said.getvalue().startswith("1 accepted, 1 refused, 0 already imported, 0 unknown")
    accepted.refresh_from_db()
    refused.refresh_from_db()
    assert (hl7_sent_version(accepted), accepted.hl7_accepted_version, accepted.hl7_rejected_version) == (
        1,
        1,
        0,
    )
    assert (hl7_sent_version(refused), refused.hl7_accepted_version, refused.hl7_rejected_version) == (
        0,
        0,
        1,
    )
    # Shown to the state, with the registry's error.
    official = personas.home[Role.STATE_OFFICIAL]
    _with_mfa(official)
    client.force_login(official)
    page = client.get(reverse("state:administration.refused")).content.decode()
    assert refused.event_id in page and accepted.event_id not in page
    assert "Error at PID-5: Patient name is required; required field missing; required data Missing" in page
    assert "Waiting for a correction" in page
    # Held until corrected: an export now doesn't send it unchanged again.
    assert _control_ids(_export(tmp_path, "again.hl7")) == {}

    # After a correction, the next --since-last export sends it again (as an add: the registry
    # never accepted it).
    admin = member(refused.location.organization, Role.PROVIDER_ADMIN)
    recording.dose_correct(
        record=refused,
        details=recording.DoseDetails(
            product=refused.product,
            lot=refused.lot,
            dose_number=1,
            administered_at=refused.administered_at,
            route="C28161",
            site="RD",
        ),
        reason="Site misread",
        by=admin,
    )
    assert (
        "Corrected: goes with the next export"
        in client.get(reverse("state:administration.refused")).content.decode()
    )
    text = _export(tmp_path, "corrected.hl7")
    assert list(_control_ids(text)) == [refused.event_id]
    assert "|CP|A\r" in text


def test_the_state_imports_the_ack_file_on_the_page_and_sends_a_refusal_again_unchanged(
    sent, tmp_path, client, personas
):
    refused, ids = sent["refused"], sent["ids"]
    official = personas.home[Role.STATE_OFFICIAL]
    _with_mfa(official)
    client.force_login(official)
    upload = SimpleUploadedFile("acks.hl7", _ack(ids[refused.event_id], "AR").encode(), "text/plain")

    answer = client.post(reverse("state:administration.refused"), {"file": upload}, follow=True)

    assert "0 accepted, 1 refused, 0 unknown" in answer.content.decode()
    client.post(reverse("state:administration.refused.resend", kwargs={"record_pk": refused.pk}))
    assert list(_control_ids(_export(tmp_path, "again.hl7"))) == [refused.event_id]
    assert AuditEvent.objects.filter(action="administration.hl7.resend", target_id=str(refused.pk)).exists()


def test_an_unreadable_file_changes_nothing_and_says_why(sent, client, personas):
    official = personas.home[Role.STATE_OFFICIAL]
    _with_mfa(official)
    client.force_login(official)
    upload = SimpleUploadedFile("acks.hl7", b"vax_event_id\text_type\n", "text/plain")

    page = client.post(reverse("state:administration.refused"), {"file": upload}).content.decode()

    assert "This is not a file of HL7 acknowledgements: Line 1: vax comes before any MSH segment." in page
    assert not Hl7Message.objects.exclude(ack_code="").exists()


def test_unknown_control_ids_are_listed_and_a_second_import_changes_nothing(sent):
    refused, ids = sent["refused"], sent["ids"]
    text = _ack(ids[refused.event_id], "AE") + _ack("NOT-OURS-1", "AA")

    first = registry.hl7_acks_import(text=text, by=None)
    second = registry.hl7_acks_import(text=text, by=None)

    assert (first.refused, first.unknown) == (1, ["NOT-OURS-1"])
    assert (second.refused, second.repeated) == (0, 1)


def test_a_late_refusal_of_an_older_version_does_not_hold_a_record_accepted_since(sent, tmp_path):
    refused, ids = sent["refused"], sent["ids"]
    first_control = ids[refused.event_id]
    AdministrationRecord.objects.filter(pk=refused.pk).update(version=2)
    second_control = _control_ids(_export(tmp_path, "v2.hl7"))[refused.event_id]

    registry.hl7_acks_import(text=_ack(second_control, "AA"), by=None)
    registry.hl7_acks_import(text=_ack(first_control, "AE"), by=None)

    refused.refresh_from_db()
    assert (hl7_sent_version(refused), refused.hl7_accepted_version, refused.hl7_rejected_version) == (
        2,
        2,
        0,
    )


def test_each_message_of_a_batch_is_kept_with_its_control_id_within_20_characters(sent):
    messages = Hl7Message.objects.order_by("id")
    assert [(m.record_id, m.version) for m in messages] == [(sent["accepted"].pk, 1), (sent["refused"].pk, 1)]
    assert sorted(sent["ids"].values()) == sorted(m.control_id for m in messages)
    assert all(len(m.control_id) <= 20 for m in messages)


def test_the_refused_page_reads_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    official = personas.home[Role.STATE_OFFICIAL]
    _with_mfa(official)
    client.force_login(official)

    def refuse(count):
        for message in Hl7MessageFactory.create_batch(count):
            registry.hl7_acks_import(text=_ack(message.control_id, "AE", PATIENT_NAME_MISSING), by=None)

    refuse(1)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("state:administration.refused"))
    refuse(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("state:administration.refused"))
    assert page.content.decode().count("Waiting for a correction") == 6


# --- Reading the file ----------------------------------------------------------------------------


def test_acks_are_read_with_any_line_ending_inside_a_batch_envelope_with_escapes():
    text = "\r\n".join(
        [
            "FHS|^~\\&|NCIR",
            "BHS|^~\\&|NCIR",
            "MSH|^~\\&|NCIR|NCDHHS|CVMS|NCA|20210116||ACK^V04^ACK|1|P|2.5.1",
            "MSA|AA|C1-1",
            "MSH|^~\\&|NCIR|NCDHHS|CVMS|NCA|20210116||ACK^V04^ACK|2|P|2.5.1",
            "MSA|AE|C1-2",
            # A state registry's answer seen in the wild (the user message in ERR-8, escaped).
            "ERR||NK1^^0|101^Required field missing^HL70357|W|4^Invalid value^HL70533"
            "|||IEE-519::Warning\\F\\ NK1 missing.",
            "BTS|2",
            "FTS|1",
        ]
    )

    assert list(acks_read(text)) == [
        ("C1-1", "AA", ()),
        (
            "C1-2",
            "AE",
            ("Warning at NK1: IEE-519::Warning| NK1 missing.; Required field missing; Invalid value",),
        ),
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "no HL7 message"),
        ("MSA|AA|C1-1\r", "before any MSH"),
        ("MSH|^~\\&|NCIR\rERR||PID\r", "no MSA segment"),
    ],
)
def test_text_that_is_not_acks_is_refused_with_where(text, why):
    with pytest.raises(AckFileError, match=why):
        list(acks_read(text))
