"""Choosing what to import: the valid rows, all in one transaction, or nothing at all."""

import re

import pytest
from django.core import mail

from cvms.models import AuditEvent
from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterRow
from employers.services.errors import RosterRefused
from employers.services.imports import roster_rows_import
from employers.services.uploads import roster_upload_discard, roster_upload_import
from employers.tasks import invitations_dispatch
from enrollment.models import PriorityGroup
from tests.employers.factories import InviteeFactory
from tests.employers.helpers import import_roster, upload_roster
from tests.factories import UserFactory


def roster_csv(count: int, *, group: str = "3b") -> bytes:
    lines = ["first name,last name,email,date of birth,priority group"]
    lines += [f"Person,Number{n},staff{n}@example.org,1980-01-01,{group}" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def snapshot():
    return (
        list(Invitee.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
    )


def test_import_nothing_leaves_the_database_unchanged(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    InviteeFactory(organization=employer, email="ben.okafor@example.org", first_name="Benjamin")
    before = snapshot()
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )

    with django_capture_on_commit_callbacks(execute=True):
        roster_upload_discard(upload=upload, by=employer_admin)

    upload.refresh_from_db()
    assert upload.status == UploadStatus.DISCARDED
    assert snapshot() == before
    assert not RosterRow.objects.filter(upload=upload).exists()
    assert mail.outbox == []
    # and it can't be imported afterwards
    with pytest.raises(RosterRefused):
        roster_upload_import(upload=upload, by=employer_admin)


def test_import_adds_the_valid_rows_and_invites_each_new_person_without_an_account(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    UserFactory(email="Chloe.Nguyen@example.org")  # already has an account: not invited
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )

    upload = import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    assert upload.status == UploadStatus.IMPORTED
    assert (upload.rows_new, upload.rows_updated, upload.people_to_invite) == (3, 0, 2)
    statuses = dict(Invitee.objects.filter(organization=employer).values_list("email", "status"))
    assert statuses == {
        "ana.garcia@example.org": InviteeStatus.INVITED,
        "ben.okafor@example.org": InviteeStatus.INVITED,
        "chloe.nguyen@example.org": InviteeStatus.HAS_ACCOUNT,
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["ana.garcia@example.org", "ben.okafor@example.org"]
    assert set(Invitation.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert not RosterRow.objects.filter(upload=upload).exists()


def test_import_itself_makes_no_invitation_and_the_send_task_makes_one_per_new_person(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    UserFactory(email="Chloe.Nguyen@example.org")
    InviteeFactory(organization=employer, email="ben.okafor@example.org", status=InviteeStatus.INVITED)
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )
    with django_capture_on_commit_callbacks(execute=False):
        roster_upload_import(upload=upload, by=employer_admin, changes_confirmed=True)
    roster_rows_import(upload_id=upload.pk, by=employer_admin)  # the task, its send not run

    upload.refresh_from_db()
    assert (upload.status, upload.rows_new, upload.rows_updated, upload.people_to_invite) == (
        UploadStatus.IMPORTED,
        2,  # Ana, and Chloe (who has an account)
        1,  # Ben
        1,  # Ana
    )
    assert not Invitation.objects.exists()
    assert Invitee.objects.get(email="ana.garcia@example.org").status == InviteeStatus.ADDED

    # Its batches are promised through the outbox: published once the dispatch commits.
    with django_capture_on_commit_callbacks(execute=True):
        invitations_dispatch.delay(upload_id=upload.pk)
    with django_capture_on_commit_callbacks(execute=True):
        invitations_dispatch.delay(upload_id=upload.pk)  # delivered twice

    invitation = Invitation.objects.get()
    assert (invitation.invitee.email, invitation.upload_id, invitation.status) == (
        "ana.garcia@example.org",
        upload.pk,
        DeliveryStatus.SENT,
    )
    assert [m.to[0] for m in mail.outbox] == ["ana.garcia@example.org"]


def test_invitation_is_in_the_persons_language(employer, employer_admin, django_capture_on_commit_callbacks):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )
    import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    by_address = {m.to[0]: m for m in mail.outbox}
    spanish, english = by_address["ana.garcia@example.org"], by_address["ben.okafor@example.org"]
    assert spanish.subject == "Triangle Test Works le invita a registrarse para la vacuna contra el COVID-19"
    assert "Hola Ana," in spanish.body
    assert english.subject == "Triangle Test Works invites you to register for a COVID-19 vaccine"
    assert "Hello Ben," in english.body
    assert re.search(r"http://127.0.0.1:8000/me/invitation/[0-9a-f]{32}:[\w-]+/", english.body)


def test_upload_and_import_and_each_send_are_audited(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )
    import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_email"))
    assert actions[:4] == [
        ("employers.roster.uploaded", employer_admin.email),
        ("employers.roster.validated", ""),
        ("employers.roster.import_requested", employer_admin.email),
        ("employers.roster.imported", employer_admin.email),
    ]
    assert [a for a, _ in actions[4:]] == ["employers.invitation.sent"] * 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_error_in_the_middle_of_a_large_import_leaves_no_row(
    employer, employer_admin, django_capture_on_commit_callbacks
):
    content = roster_csv(5000, group="3b").replace(
        b"staff4000@example.org,1980-01-01,3b", b"staff4000@example.org,1980-01-01,4a"
    )
    InviteeFactory(organization=employer, email="staff10@example.org", first_name="Before")
    before = snapshot()
    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="large.csv",
        content=content,
    )
    assert upload.rows_valid == 5000
    # The state drops group 4a after the file was checked: row 4,001's group no longer exists,
    # so the database refuses that row in the middle of the import.
    PriorityGroup.objects.filter(code="4a").delete()

    upload = import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    assert upload.status == UploadStatus.FAILED
    assert upload.failure.startswith("The import failed and nothing was imported")
    assert snapshot() == before
    assert mail.outbox == []


def test_import_of_a_large_roster_adds_every_valid_row(
    employer, employer_admin, django_capture_on_commit_callbacks, settings
):
    settings.EMPLOYERS_INVITATION_BATCH = 500
    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="large.csv",
        content=roster_csv(1200),
    )
    upload = import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    assert (upload.rows_valid, upload.rows_new) == (1200, 1200)
    assert Invitee.objects.filter(organization=employer).count() == 1200
    assert len(mail.outbox) == 1200


def test_import_twice_is_refused(employer, employer_admin, django_capture_on_commit_callbacks):
    upload = upload_roster(
        django_capture_on_commit_callbacks, organization=employer, by=employer_admin, name="bom_synonyms.csv"
    )
    import_roster(django_capture_on_commit_callbacks, upload=upload, by=employer_admin)

    with pytest.raises(RosterRefused):
        roster_upload_import(upload=upload, by=employer_admin)
    assert Invitee.objects.count() == 3
