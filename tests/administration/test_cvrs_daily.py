"""The daily CVRS file (issue 16): it selects the records created or changed that day, whenever
given; each file of a day has the day's next number; changes after a record was reported are sent
again or listed, as CVRS allows; the portal makes de-identified extracts unless told otherwise; and
a change of a person's address sends their reported doses again (CVRS and HL7)."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from administration.models import CvrsFile, ExportJob
from administration.services import files as exports
from administration.services import recording
from cvms.roles import Role
from recipients.services import recipient_update_contact
from tests.administration.conformance import cvrs_rows
from tests.administration.factories import AdministrationRecordFactory
from tests.administration.test_exports import _with_mfa
from tests.factories import member

pytestmark = pytest.mark.django_db


def _noon(days_ago: int) -> datetime:
    """Noon of that day; today, a moment already past (a dose can't be recorded in the future,
    and the suite runs at any hour)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    if days_ago == 0:
        return midnight + min(timedelta(hours=12), (timezone.now() - midnight) / 2)
    return midnight + timedelta(hours=12)


def _daily(tmp_path, days_ago: int = 0, *extra) -> tuple[list[str], str]:
    """Run the daily export of that day into tmp_path: the files it wrote (names) and what it said."""
    out = io.StringIO()
    day = timezone.localdate() - timedelta(days=days_ago)
    call_command("export_cvrs", "--day", day.isoformat(), "-o", str(tmp_path), *extra, stdout=out)
    said = out.getvalue()
    return [line.rsplit("/", 1)[1] for line in said.splitlines() if " records written to " in line], said


def _events(path) -> list[str]:
    return [row["vax_event_id"] for row in cvrs_rows(path.read_text(encoding="utf-8"))]


def test_a_dose_back_filled_today_for_an_earlier_day_is_in_todays_daily_file(tmp_path):
    back_filled = AdministrationRecordFactory(administered_at=_noon(3))  # created now, given 3 days ago

    (today_file,), _said = _daily(tmp_path)
    (that_day_file,), _said = _daily(tmp_path, 3)

    assert _events(tmp_path / today_file) == [back_filled.event_id]
    assert _events(tmp_path / that_day_file) == []  # the day it was given: already past when entered


def test_a_second_export_of_a_day_takes_the_next_number_and_keeps_the_first(tmp_path):
    AdministrationRecordFactory(administered_at=_noon(0))
    day = timezone.localdate().strftime("%Y%m%d")

    first, _said = _daily(tmp_path)
    second, _said = _daily(tmp_path)

    assert (first, second) == ([f"{day}_01_NCA.txt"], [f"{day}_02_NCA.txt"])
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"{day}_01_NCA.txt", f"{day}_02_NCA.txt"]
    assert list(CvrsFile.objects.order_by("sequence").values_list("sequence", "records")) == [(1, 1), (2, 1)]


def test_a_day_with_nothing_to_report_still_has_its_file(tmp_path):
    (name,), _said = _daily(tmp_path, 1)
    assert (tmp_path / name).read_text(encoding="utf-8").count("\n") == 1  # the header


def test_changes_after_reporting_are_sent_again_or_listed_as_cvrs_allows(tmp_path, time_machine):
    time_machine.move_to(_noon(1))
    corrected, voided = AdministrationRecordFactory.create_batch(
        2, administered_at=_noon(1) - timedelta(hours=1)
    )
    time_machine.move_to(timezone.now() + timedelta(days=1))
    admin = member(corrected.location.organization, Role.PROVIDER_ADMIN)
    member(voided.location.organization, Role.PROVIDER_ADMIN)
    recording.dose_correct(
        record=corrected,
        details=recording.DoseDetails(
            product=corrected.product,
            lot=corrected.lot,
            dose_number=1,
            administered_at=corrected.administered_at,
            route="C28161",
            site="RD",
        ),
        reason="Site misread",
        by=admin,
    )
    recording.dose_void(record=voided, reason="Wrong person", by=admin)

    (name,), said = _daily(tmp_path)

    assert _events(tmp_path / name) == [corrected.event_id]
    yesterday = timezone.localdate() - timedelta(days=1)
    assert f"- {corrected.event_id}: changed on {timezone.localdate()}" in said
    assert f"first reported on {yesterday}" in said
    assert f"- {voided.event_id}: voided on {timezone.localdate()}, first reported on {yesterday}" in said


def test_a_change_of_address_sends_the_persons_reported_doses_again(tmp_path, time_machine):
    time_machine.move_to(_noon(2))
    record = AdministrationRecordFactory(administered_at=_noon(2) - timedelta(hours=1))
    exports.hl7_mark_sent(exports.hl7_write(io.StringIO(), since_last=True))
    time_machine.move_to(timezone.now() + timedelta(days=2))
    person = record.recipient

    recipient_update_contact(
        recipient=person, data={"street": "9 New Street", "zip_code": "27603"}, by=person.user
    )

    (name,), said = _daily(tmp_path, 0, "--identified")
    (row,) = cvrs_rows((tmp_path / name).read_text(encoding="utf-8"))
    assert (row["vax_event_id"], row["recip_address_street"], row["recip_address_zip"]) == (
        record.event_id,
        "9 New Street",
        "27603",
    )
    assert f"- {record.event_id}: changed on {timezone.localdate()}" in said
    out = io.StringIO()
    resent = exports.hl7_write(out, since_last=True)
    assert resent.messages == 1
    assert "9 New Street" in out.getvalue() and "|CP|U\r" in out.getvalue()  # an update of what it holds
    exports.hl7_mark_sent(resent)
    assert exports.hl7_write(io.StringIO(), since_last=True).messages == 0


def test_a_change_of_e_mail_alone_sends_nothing_again(time_machine):
    record = AdministrationRecordFactory(administered_at=timezone.now() - timedelta(hours=1))
    exports.hl7_mark_sent(exports.hl7_write(io.StringIO(), since_last=True))
    time_machine.move_to(timezone.now() + timedelta(hours=1))

    recipient_update_contact(
        recipient=record.recipient, data={"email": "new@example.org"}, by=record.recipient.user
    )

    assert exports.hl7_write(io.StringIO(), since_last=True).messages == 0


# --- The state's page -----------------------------------------------------------------------------


@pytest.fixture
def official(client, personas):
    user = personas.home[Role.STATE_OFFICIAL]
    _with_mfa(user)
    client.force_login(user)
    return user


def _ask(client, captured, data):
    with captured(execute=True):
        client.post(reverse("state:administration.exports"), {"kind": "cvrs", **data})
    job = ExportJob.objects.order_by("-pk").first()
    return job, job.file.open("rb").read().decode("utf-8")


def test_the_portal_makes_daily_files_de_identified_by_default_and_numbered_per_day(
    client, official, django_capture_on_commit_callbacks
):
    record = AdministrationRecordFactory(administered_at=_noon(0))
    today = timezone.localdate()

    first, text = _ask(client, django_capture_on_commit_callbacks, {"day": today.isoformat()})
    second, _text = _ask(client, django_capture_on_commit_callbacks, {"day": today.isoformat()})

    (row,) = cvrs_rows(text)
    assert (row["vax_event_id"], row["ext_type"], row["recip_last_name"]) == (
        record.event_id,
        "D",
        "Redacted",
    )
    assert (first.file_name, second.file_name) == (
        f"{today:%Y%m%d}_01_NCA.txt",
        f"{today:%Y%m%d}_02_NCA.txt",
    )


def test_the_portal_makes_an_identified_extract_when_asked(
    client, official, django_capture_on_commit_callbacks
):
    record = AdministrationRecordFactory(administered_at=_noon(0))
    today = timezone.localdate().isoformat()

    _job, text = _ask(
        client, django_capture_on_commit_callbacks, {"start": today, "end": today, "extract_type": "I"}
    )

    (row,) = cvrs_rows(text)
    assert (row["ext_type"], row["recip_last_name"]) == ("I", record.recipient.last_name)


def test_the_portal_refuses_a_daily_file_and_a_period_at_once(client, official):
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("state:administration.exports"), {"kind": "cvrs", "day": today, "start": today, "end": today}
    )
    assert response.context["cvrs_form"].errors["day"] == ["Ask for a daily file or a period, not both."]
    assert not ExportJob.objects.exists()
