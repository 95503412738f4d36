"""A merge keeps both records and can be undone by the state (issue 14, acceptance 4): merge and
undo leave every dose, appointment and roster link as before, and the registry export sends the
merged person's doses again each time."""

import io
from datetime import date

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from administration.models import AdministrationRecord, Appointment, OfflineForm
from administration.selectors.reporting import records_for_hl7
from administration.services import files as exports
from cvms.models import AuditEvent
from cvms.roles import Role
from employers.models import Invitation, Invitee
from recipients import services
from recipients.models import Attestation, Recipient, RecipientMerge
from tests.administration.factories import AdministrationRecordFactory, AppointmentFactory, OfflineFormFactory
from tests.employers.factories import InvitationFactory
from tests.factories import EmployerFactory, UserFactory
from tests.recipients.factories import AttestationFactory, RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client):
    user = UserFactory(roles=[Role.STATE_OFFICIAL])
    client.force_login(user)
    return user


def send_to_the_registry() -> set[int]:
    """The HL7 export "since last", marked sent: the ids of the dose records it carried."""
    carried = {record.pk for record in records_for_hl7(since_last=True)}
    result = exports.hl7_write(io.StringIO(), since_last=True)
    exports.hl7_mark_sent(result)
    return carried


def everything_linked() -> dict:
    """Who every dose, appointment, printed form, roster entry, used link and attestation is for."""
    return {
        "records": dict(AdministrationRecord.objects.values_list("pk", "recipient_id")),
        "appointments": dict(Appointment.objects.values_list("pk", "recipient_id")),
        "forms": dict(OfflineForm.objects.values_list("pk", "recipient_id")),
        "invitees": dict(Invitee.objects.values_list("pk", "recipient_id")),
        "invitations": dict(Invitation.objects.values_list("pk", "used_by_recipient_id")),
        "attestations": dict(Attestation.objects.values_list("pk", "recipient_id")),
        "invited_by": {
            r.pk: sorted(r.invited_by.values_list("pk", flat=True)) for r in Recipient.objects.all()
        },
    }


def record_fields(recipient_pk: int) -> dict:
    fields = model_to_dict(Recipient.objects.get(pk=recipient_pk), exclude=["invited_by"])
    fields.pop("updated_at", None)
    return fields


@pytest.fixture
def two_records_of_one_person():
    """Ana's record with an account, and a second record of her made at a walk-in: a first dose
    already sent to the registry, a second dose booked, a printed form, a roster entry of her
    employer (with the link she used), her attestation for Group 1."""
    born = date(1960, 5, 17)
    survivor = RecipientFactory(first_name="Ana", last_name="García", date_of_birth=born)
    duplicate = RecipientFactory(
        user=None, first_name="ANA", last_name="Garcia", date_of_birth=born, email="", middle_name="Luz"
    )
    employer = EmployerFactory()
    duplicate.invited_by.add(employer)
    survivor_roster = InvitationFactory(invitee__recipient_id=survivor.pk, used_by_recipient_id=survivor.pk)
    duplicate_roster = InvitationFactory(
        invitee__organization=employer, invitee__recipient_id=duplicate.pk, used_by_recipient_id=duplicate.pk
    )
    dose = AdministrationRecordFactory(recipient=duplicate)
    AppointmentFactory(recipient=duplicate, dose_number=2)
    OfflineFormFactory(recipient=duplicate)
    AttestationFactory(recipient=duplicate)
    AppointmentFactory(recipient=survivor, dose_number=1)
    return survivor, duplicate, dose, (survivor_roster, duplicate_roster)


def test_merge_and_undo_leave_every_dose_appointment_and_roster_link_as_before(
    client, official, two_records_of_one_person
):
    survivor, duplicate, dose, _rosters = two_records_of_one_person
    assert send_to_the_registry() == {dose.pk}
    before = everything_linked()
    survivor_before, duplicate_before = record_fields(survivor.pk), record_fields(duplicate.pk)
    merge_url = reverse(
        "state:recipients.merge", kwargs={"recipient_pk": survivor.pk, "duplicate_pk": duplicate.pk}
    )

    confirmation = client.get(merge_url).content.decode()
    client.post(merge_url)

    assert (
        "The same name (ignoring case, accents, punctuation and spaces), the same date of birth and the same "
        "phone number." in confirmation
    )
    assert "the state can undo the merge later" in confirmation
    assert not Recipient.objects.filter(pk=duplicate.pk).exists()
    merged = everything_linked()
    assert set(merged["records"].values()) == {survivor.pk}
    assert set(merged["appointments"].values()) == {survivor.pk}
    assert set(merged["invitees"].values()) == {survivor.pk}
    assert Recipient.objects.get(pk=survivor.pk).middle_name == "Luz"
    assert send_to_the_registry() == {dose.pk}  # sent again under Ana's surviving record

    merge = RecipientMerge.objects.get()
    merges_page = client.get(reverse("state:recipients.merges")).content.decode()
    client.post(reverse("state:recipients.merge.undo", kwargs={"merge_pk": merge.pk}))

    assert "Undo the merge of ANA" in merges_page
    assert everything_linked() == before
    assert record_fields(duplicate.pk) == duplicate_before
    assert record_fields(survivor.pk) == survivor_before
    assert send_to_the_registry() == {dose.pk}  # and again under the record it belongs to
    assert AdministrationRecord.objects.get(pk=dose.pk).version == 3
    merge.refresh_from_db()
    assert (merge.undone_by, merge.undone_at is not None) == (official, True)
    assert AuditEvent.objects.filter(action="recipients.recipient.merge_undone", actor=official).count() == 1


def test_an_account_taken_by_the_merge_goes_back_with_its_record(official):
    survivor = RecipientFactory(user=None, email="")
    duplicate = RecipientFactory()
    account = duplicate.user

    services.recipient_merge(survivor=survivor, duplicate=duplicate, by=official)
    assert Recipient.objects.get(pk=survivor.pk).user == account
    services.recipient_merge_undo(merge=RecipientMerge.objects.get(), by=official)

    assert Recipient.objects.get(pk=survivor.pk).user is None
    assert Recipient.objects.get(pk=duplicate.pk).user == account


def test_a_merge_is_undone_once(client, official):
    services.recipient_merge(survivor=RecipientFactory(), duplicate=RecipientFactory(user=None), by=official)
    merge = RecipientMerge.objects.get()
    url = reverse("state:recipients.merge.undo", kwargs={"merge_pk": merge.pk})
    client.post(url)

    response = client.post(url, follow=True)

    assert "This merge was undone already." in response.content.decode()
    assert AuditEvent.objects.filter(action="recipients.recipient.merge_undone").count() == 1


def test_a_merge_whose_kept_record_was_merged_since_waits_for_that_undo(official):
    first, second, third = (
        RecipientFactory(user=None),
        RecipientFactory(user=None),
        RecipientFactory(user=None),
    )
    services.recipient_merge(survivor=first, duplicate=second, by=official)
    services.recipient_merge(survivor=third, duplicate=first, by=official)
    older = RecipientMerge.objects.get(duplicate_id=second.pk)

    with pytest.raises(services.MergeRefused, match="undo that merge first"):
        services.recipient_merge_undo(merge=older, by=official)
    services.recipient_merge_undo(merge=RecipientMerge.objects.get(duplicate_id=first.pk), by=official)
    services.recipient_merge_undo(merge=older, by=official)

    assert set(Recipient.objects.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
