"""Roster invitations under concurrent requests and workers, with real threads against PostgreSQL:
each lock's test, and its control without the lock (tests/test_locks.py)."""

import secrets

import pytest

from cvms.roles import Role
from employers.enums import InviteeStatus, UploadStatus
from employers.models import Invitation, RosterUpload
from employers.services import imports, invitations
from tests.concurrency import after, locks_disabled, pause_after, pause_before, run_together
from tests.employers.factories import InvitationFactory, InviteeFactory, RosterUploadFactory
from tests.employers.helpers import upload_roster
from tests.factories import member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _live_links(invitee) -> int:
    return Invitation.objects.filter(invitee=invitee, revoked_at__isnull=True, used_at__isnull=True).count()


def _resend_twice(monkeypatch):
    invitee = InvitationFactory().invitee
    admins = [member(invitee.organization, Role.EMPLOYER_ADMIN) for _ in range(2)]
    pause_after(monkeypatch, invitations, "lock_all")  # the people were read; no link revoked yet
    return invitee, [
        (
            lambda a=a: invitations.invitations_resend(
                organization=invitee.organization, invitee_ids=[invitee.pk], by=a
            )
        )
        for a in admins
    ]


def test_a_person_sent_a_new_link_by_two_administrators_at_once_has_one_link_that_works(monkeypatch):
    invitee, works = _resend_twice(monkeypatch)

    results = run_together(works)

    assert results == [1, 1], results
    assert _live_links(invitee) == 1


def test_without_the_lock_two_resends_leave_two_links_that_work(monkeypatch):
    """The control of the people's locks when sending new links."""
    invitee, works = _resend_twice(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert results == [1, 1], results
    assert _live_links(invitee) == 2


def _make_while_resending(monkeypatch):
    upload = RosterUploadFactory()
    invitee = InviteeFactory(
        organization=upload.organization, status=InviteeStatus.ADDED, created_by_upload=upload
    )
    admin = member(upload.organization, Role.EMPLOYER_ADMIN)
    # Making a link's key waits a moment: the worker has looked for the person's links and not
    # yet made its own; the administrator's resend comes in then.
    pause_before(monkeypatch, secrets, "token_hex", 0.3)
    return invitee, [
        lambda: invitations._invitations_make(upload_id=upload.pk, invitee_ids=[invitee.pk]),
        after(
            0.1,
            lambda: invitations.invitations_resend(
                organization=upload.organization, invitee_ids=[invitee.pk], by=admin
            ),
        ),
    ]


def test_an_imports_invitation_made_while_the_person_is_sent_a_link_leaves_one_link(monkeypatch):
    invitee, works = _make_while_resending(monkeypatch)

    results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert _live_links(invitee) == 1


def test_without_the_lock_an_import_and_a_resend_leave_two_links(monkeypatch):
    """The control of the people's locks when a worker makes an import's invitations."""
    invitee, works = _make_while_resending(monkeypatch)

    with locks_disabled():
        results = run_together(works)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert _live_links(invitee) == 2


def _import_delivered_twice(monkeypatch, capture, employer, employer_admin):
    upload = upload_roster(capture, organization=employer, by=employer_admin, name="bom_synonyms.csv")
    RosterUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.IMPORTING)
    pause_before(monkeypatch, imports, "_rows_import")  # found the upload still importing
    return upload, [lambda: imports.roster_rows_import(upload_id=upload.pk, by=employer_admin)] * 2


def test_an_import_task_delivered_twice_at_once_imports_once(
    monkeypatch, django_capture_on_commit_callbacks, employer, employer_admin
):
    upload, works = _import_delivered_twice(
        monkeypatch, django_capture_on_commit_callbacks, employer, employer_admin
    )

    results = run_together(works)

    upload.refresh_from_db()
    assert results == [None, None], results
    assert (upload.status, upload.rows_new, upload.rows_updated) == (UploadStatus.IMPORTED, 3, 0)


def test_without_the_lock_an_import_task_delivered_twice_imports_twice(
    monkeypatch, django_capture_on_commit_callbacks, employer, employer_admin
):
    """The control of the upload's lock: the second delivery imports the roster again, and the
    upload's counts are the second import's."""
    upload, works = _import_delivered_twice(
        monkeypatch, django_capture_on_commit_callbacks, employer, employer_admin
    )

    with locks_disabled():
        run_together(works)

    upload.refresh_from_db()
    assert (upload.rows_new, upload.rows_updated) != (3, 0)
