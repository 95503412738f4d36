"""Invitations: sent once, links that work once and expire, revoke and resend, and the services
the recipients app builds on."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from employers import selectors
from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee
from employers.services.errors import RosterRefused
from employers.services.invitations import (
    _invitations_make,
    invitation_revoke,
    invitations_make_and_send,
    invitations_resend,
    invitations_send,
)
from employers.services.progress import InvitationInvalid, invitation_use, invitee_status_set
from employers.tasks import invitations_invite_batch, invitations_send_batch
from tests.employers.factories import InvitationFactory, InviteeFactory, RosterUploadFactory
from tests.factories import EmployerFactory


def pending_invitations(count: int, **invitee_fields) -> list[Invitation]:
    return [
        InvitationFactory(
            invitee=InviteeFactory(status=InviteeStatus.ADDED, **invitee_fields),
            status=DeliveryStatus.PENDING,
            sent_at=None,
            expires_at=None,
        )
        for _ in range(count)
    ]


def landing(client, invitation_or_token):
    token = (
        invitation_or_token
        if isinstance(invitation_or_token, str)
        else selectors.invitation_token(invitation_or_token)
    )
    return client.get(reverse("me:employers.invitation", kwargs={"token": token}))


def test_send_task_run_twice_for_the_same_batch_sends_one_email_per_person(db):
    invitations = pending_invitations(3)
    batch = [invitation.pk for invitation in invitations]

    invitations_send_batch.delay(invitation_ids=batch)
    invitations_send_batch.delay(invitation_ids=batch)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.invitee.email for i in invitations)
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Invitation.objects.values_list("invitee__status", flat=True)) == {InviteeStatus.INVITED}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_batch_at_once_send_one_email_per_person():
    invitations = pending_invitations(40)
    batch = [invitation.pk for invitation in invitations]
    start = threading.Barrier(2)
    sent = []

    def worker():
        start.wait()
        try:
            sent.append(invitations_send(invitation_ids=batch))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == 40
    assert len(mail.outbox) == 40
    assert len({m.to[0] for m in mail.outbox}) == 40


def imported_people(count: int) -> tuple[int, list[int]]:
    """An imported upload whose new people have no invitation yet (as the import leaves them)."""
    upload = RosterUploadFactory(status=UploadStatus.IMPORTED)
    invitees = [
        InviteeFactory(organization=upload.organization, status=InviteeStatus.ADDED, created_by_upload=upload)
        for _ in range(count)
    ]
    return upload.pk, [invitee.pk for invitee in invitees]


def test_invite_task_run_twice_for_the_same_batch_makes_and_sends_one_invitation_per_person(db):
    upload_id, batch = imported_people(3)

    invitations_invite_batch.delay(upload_id=upload_id, invitee_ids=batch)
    invitations_invite_batch.delay(upload_id=upload_id, invitee_ids=batch)

    assert sorted(Invitation.objects.values_list("invitee_id", flat=True)) == batch
    assert len(mail.outbox) == 3
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Invitation.objects.values_list("invitee__status", flat=True)) == {InviteeStatus.INVITED}


def test_invite_task_rerun_sends_what_an_earlier_run_made_but_did_not_send(db):
    upload_id, batch = imported_people(2)
    _invitations_make(upload_id=upload_id, invitee_ids=batch)  # then the worker died

    sent = invitations_make_and_send(upload_id=upload_id, invitee_ids=batch)

    assert sent == 2
    assert Invitation.objects.count() == 2
    assert len(mail.outbox) == 2


def test_invite_task_skips_people_resent_or_revoked_meanwhile(employer_admin, db):
    upload_id, (resent, revoked, registered) = imported_people(3)
    organization = Invitee.objects.get(pk=resent).organization
    invitations_resend(organization=organization, invitee_ids=[resent], by=employer_admin)
    Invitee.objects.filter(pk=revoked).update(status=InviteeStatus.REVOKED)
    Invitee.objects.filter(pk=registered).update(status=InviteeStatus.REGISTERED)

    sent = invitations_make_and_send(upload_id=upload_id, invitee_ids=[resent, revoked, registered])

    assert sent == 0
    assert not Invitation.objects.filter(upload_id=upload_id).exists()


def test_an_import_invites_a_person_once_says_the_database(db):
    upload_id, (invitee,) = imported_people(1)
    InvitationFactory(invitee_id=invitee, upload_id=upload_id)

    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(invitee_id=invitee, upload_id=upload_id)
    InvitationFactory(invitee_id=invitee, upload=None)  # a resend's link may follow


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_inviting_the_same_batch_at_once_send_one_email_per_person():
    upload_id, batch = imported_people(40)
    start = threading.Barrier(2)
    sent = []

    def worker():
        start.wait()
        try:
            sent.append(invitations_make_and_send(upload_id=upload_id, invitee_ids=batch))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == 40
    assert Invitation.objects.count() == 40
    assert len(mail.outbox) == 40
    assert len({m.to[0] for m in mail.outbox}) == 40


def test_revoked_invitation_is_not_sent(db):
    invitation = pending_invitations(1)[0]
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())

    invitations_send_batch.delay(invitation_ids=[invitation.pk])

    assert mail.outbox == []


def test_sent_link_expires_after_the_configured_days(db, settings):
    settings.EMPLOYERS_INVITATION_DAYS = 3
    invitation = pending_invitations(1)[0]

    with time_machine.travel("2026-03-01 12:00Z", tick=False):
        invitations_send_batch.delay(invitation_ids=[invitation.pk])

    invitation.refresh_from_db()
    assert invitation.expires_at == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def test_link_works_once(client, db):
    invitation = InvitationFactory()
    token = selectors.invitation_token(invitation)

    found = selectors.invitation_by_token(token)
    invitation_use(invitation=found, recipient_id=41, by=None)
    with pytest.raises(InvitationInvalid) as second:
        invitation_use(invitation=selectors.invitation_by_token(token), recipient_id=42, by=None)

    assert second.value.state == "used"
    invitation.refresh_from_db()
    assert invitation.used_by_recipient_id == 41
    assert (invitation.invitee.recipient_id, invitation.invitee.status) == (41, InviteeStatus.REGISTERED)
    page = landing(client, token)
    assert "This link has already been used to register." in page.content.decode()


def test_expired_link_is_refused(client, db):
    invitation = InvitationFactory()

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        with pytest.raises(InvitationInvalid) as refused:
            invitation_use(invitation=invitation, recipient_id=41, by=None)
        page = landing(client, invitation)

    assert refused.value.state == "expired"
    assert page.status_code == 200
    assert "This link has expired." in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_invalid_link_pages_never_say_whose_link_it_was(client, db):
    invitation = InvitationFactory(invitee__first_name="Xiomara", invitee__last_name="Quintero")
    other = EmployerFactory(name="Secret Employer Inc.")
    revoked = InvitationFactory(invitee__organization=other, revoked_at=timezone.now())
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())

    pages = [landing(client, invitation), landing(client, revoked), landing(client, "forged:token")]

    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200
        assert "This invitation link no longer works" in text
        assert "ask the organization that invited you" in text
        for secret in ("Xiomara", "Quintero", "Secret Employer", invitation.invitee.email):
            assert secret not in text


def test_altered_token_finds_nothing(db):
    invitation = InvitationFactory()
    token = selectors.invitation_token(invitation)

    assert selectors.invitation_by_token(token) == invitation
    assert selectors.invitation_by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert selectors.invitation_by_token(invitation.key) is None  # the key alone isn't a link


def test_valid_link_is_noted_as_opened_and_leads_to_registration(client, db):
    invitation = InvitationFactory(invitee__organization__name="Triangle Manufacturing Co.")
    token = selectors.invitation_token(invitation)

    page = landing(client, invitation)
    landing(client, invitation)  # opened twice: noted once

    assert page.status_code == 302
    assert page["Location"] == reverse("me:recipients.register")
    assert client.session[selectors.INVITATION_SESSION_KEY] == token
    invitation.refresh_from_db()
    assert invitation.opened_at is not None
    assert invitation.invitee.status == InviteeStatus.OPENED
    from cvms.models import AuditEvent

    assert AuditEvent.objects.filter(action="employers.invitation.opened").count() == 1


def test_landing_page_speaks_spanish(client, db):
    invitation = InvitationFactory(used_at=timezone.now())

    page = client.get(
        reverse("me:employers.invitation", kwargs={"token": selectors.invitation_token(invitation)}),
        headers={"accept-language": "es"},
    )

    assert "Este enlace ya se usó para registrarse." in page.content.decode()


def test_revoked_link_stops_working(db):
    invitation = InvitationFactory()
    admin = InviteeFactory().organization  # noqa: F841 (another organization, untouched)

    invitation_revoke(invitation=invitation, by=None)

    invitation.refresh_from_db()
    assert invitation.link_state() == "revoked"
    assert invitation.invitee.status == InviteeStatus.REVOKED
    with pytest.raises(InvitationInvalid):
        invitation_use(invitation=invitation, recipient_id=1, by=None)
    with pytest.raises(RosterRefused):
        invitation_revoke(invitation=invitation, by=None)


def test_resend_sends_a_new_link_and_the_old_one_stops_working(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    old = InvitationFactory(invitee__organization=employer)

    with django_capture_on_commit_callbacks(execute=True):
        count = invitations_resend(organization=employer, invitee_ids=[old.invitee_id], by=employer_admin)

    assert count == 1
    old.refresh_from_db()
    assert old.link_state() == "revoked"
    new = Invitation.objects.exclude(pk=old.pk).get()
    assert (new.invitee_id, new.status, new.link_state()) == (old.invitee_id, DeliveryStatus.SENT, "valid")
    assert len(mail.outbox) == 1
    assert selectors.invitation_token(new) in mail.outbox[0].body
    assert new.invitee.status == InviteeStatus.INVITED


def test_resend_ignores_other_organizations_and_registered_people(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    theirs = InviteeFactory()
    registered = InviteeFactory(organization=employer, status=InviteeStatus.REGISTERED)

    with django_capture_on_commit_callbacks(execute=True):
        count = invitations_resend(
            organization=employer, invitee_ids=[theirs.pk, registered.pk], by=employer_admin
        )

    assert count == 0
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_using_a_link_stops_the_persons_other_links(db):
    first = InvitationFactory()
    second = InvitationFactory(invitee=first.invitee)

    invitation_use(invitation=second, recipient_id=7, by=None)

    first.refresh_from_db()
    assert first.link_state() == "revoked"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_racing_on_one_link_only_one_wins():
    invitation = InvitationFactory()
    start = threading.Barrier(4)
    outcomes = []

    def register(recipient_id):
        start.wait()
        try:
            invitation_use(
                invitation=Invitation.objects.get(pk=invitation.pk), recipient_id=recipient_id, by=None
            )
            outcomes.append(("won", recipient_id))
        except InvitationInvalid as refused:
            outcomes.append((f"refused: {refused.state}", recipient_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [recipient for outcome, recipient in outcomes if outcome == "won"]
    assert len(winners) == 1
    assert sorted(outcome for outcome, _ in outcomes) == ["refused: used"] * 3 + ["won"]
    invitation.refresh_from_db()
    assert invitation.used_by_recipient_id == winners[0]


def test_prefill_gives_what_the_organization_said(db):
    invitation = InvitationFactory(
        invitee__first_name="José",
        invitee__last_name="Núñez",
        invitee__phone="919-555-0100",
        invitee__language="es",
    )

    prefill = selectors.invitation_prefill(
        selectors.invitation_by_token(selectors.invitation_token(invitation))
    )

    assert prefill["first_name"] == "José"
    assert prefill["last_name"] == "Núñez"
    assert prefill["email"] == invitation.invitee.email
    assert prefill["phone"] == "919-555-0100"
    assert prefill["language"] == "es"
    assert prefill["organization"] == invitation.invitee.organization
    assert prefill["invitee_id"] == invitation.invitee_id


def test_status_set_by_the_apps_above_shows_on_the_roster(db):
    invitee = InviteeFactory(recipient_id=9, status=InviteeStatus.REGISTERED)
    other = InviteeFactory(recipient_id=9, status=InviteeStatus.REGISTERED)

    changed = invitee_status_set(
        invitee_ids=selectors.invitee_ids_for_recipient(9), status=InviteeStatus.BOOKED
    )

    assert changed == 2
    invitee.refresh_from_db()
    other.refresh_from_db()
    assert invitee.status == other.status == InviteeStatus.BOOKED
