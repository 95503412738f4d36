"""Merging two recipients moves their dose records through administration's own service: each
moved record's version goes up, so the registry ("since last") is sent it again under the
surviving person; appointments, printed form numbers and roster links follow them as before."""

import io

import pytest

from administration.models import AdministrationRecord, Appointment, OfflineForm
from administration.selectors.reporting import records_for_hl7
from administration.services import files as exports
from cvms.models import AuditEvent
from cvms.roles import Role
from recipients import services as recipients
from recipients.models import Recipient
from tests.administration.factories import (
    AdministrationRecordFactory,
    AppointmentFactory,
    OfflineFormFactory,
    hl7_sent_version,
)
from tests.employers.factories import InvitationFactory
from tests.factories import EmployerFactory, UserFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    return UserFactory(roles=[Role.STATE_OFFICIAL])


def _send_to_the_registry() -> int:
    result = exports.hl7_write(io.StringIO(), since_last=True)
    exports.hl7_mark_sent(result)
    return result.messages


def test_a_merged_persons_dose_records_are_sent_to_the_registry_again(official):
    survivor, duplicate = RecipientFactory(), RecipientFactory(user=None)
    record = AdministrationRecordFactory(recipient=duplicate)
    assert _send_to_the_registry() == 1
    assert list(records_for_hl7(since_last=True)) == []

    recipients.recipient_merge(survivor=survivor, duplicate=duplicate, by=official)

    record.refresh_from_db()
    assert (record.recipient_id, record.version, hl7_sent_version(record)) == (survivor.pk, 2, 1)
    assert list(records_for_hl7(since_last=True)) == [record]
    assert _send_to_the_registry() == 1
    assert list(records_for_hl7(since_last=True)) == []


def test_a_merge_moves_appointments_forms_and_roster_links_and_audits_each_app(official):
    survivor, duplicate = RecipientFactory(), RecipientFactory(user=None)
    record = AdministrationRecordFactory(recipient=duplicate)
    appointment = AppointmentFactory(recipient=duplicate, dose_number=2)
    form = OfflineFormFactory(recipient=duplicate)
    employer = EmployerFactory()
    roster_entry = InvitationFactory(
        invitee__organization=employer, invitee__recipient_id=duplicate.pk, used_by_recipient_id=duplicate.pk
    )

    recipients.recipient_merge(survivor=survivor, duplicate=duplicate, by=official)

    assert not Recipient.objects.filter(pk=duplicate.pk).exists()
    assert Appointment.objects.get(pk=appointment.pk).recipient_id == survivor.pk
    assert OfflineForm.objects.get(pk=form.pk).recipient_id == survivor.pk
    roster_entry.invitee.refresh_from_db()
    assert roster_entry.invitee.recipient_id == survivor.pk
    moved = AuditEvent.objects.get(action="administration.records.reassigned")
    assert (moved.target_id, moved.data) == (
        str(survivor.pk),
        {
            "from_recipient": duplicate.pk,
            "records": [record.pk],
            "appointments": [appointment.pk],
            "offline_forms": [form.pk],
        },
    )
    merged = AuditEvent.objects.get(action="recipients.recipient.merged")
    assert merged.data["moved"] == {
        "administration.administrationrecord": 1,
        "administration.appointment": 1,
        "administration.offlineform": 1,
    }


def test_a_merge_is_refused_when_both_were_given_the_same_dose_and_changes_nothing(official):
    survivor, duplicate = RecipientFactory(), RecipientFactory(user=None)
    kept = AdministrationRecordFactory(recipient=survivor)
    other = AdministrationRecordFactory(recipient=duplicate)
    appointment = AppointmentFactory(recipient=duplicate, dose_number=2)

    with pytest.raises(recipients.MergeRefused, match="Both records hold dose 1"):
        recipients.recipient_merge(survivor=survivor, duplicate=duplicate, by=official)

    assert Recipient.objects.filter(pk=duplicate.pk).exists()
    records = {r.pk: (r.recipient_id, r.version) for r in AdministrationRecord.objects.all()}
    assert records == {kept.pk: (survivor.pk, 1), other.pk: (duplicate.pk, 1)}
    assert Appointment.objects.get(pk=appointment.pk).recipient_id == duplicate.pk
    assert not AuditEvent.objects.filter(action="administration.records.reassigned").exists()
