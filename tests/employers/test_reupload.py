"""A roster uploaded again: what it would change is shown, person by person and detail by
detail, and nothing changes on the roster until the person confirms it."""

import csv
import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cvms.models import AuditEvent
from employers.enums import InviteeStatus, UploadStatus
from employers.models import Invitee, RosterUpload
from enrollment.models import PriorityGroup
from tests.employers.factories import InviteeFactory

HEADER = b"First name,Last name,E-mail,Phone,Date of birth,Priority group,Occupation,Preferred language\n"
# Ana as the roster has her; Ben with another date of birth and no group; Chloe new.
REUPLOAD = HEADER + (
    b"Ana,Garcia,ana@example.org,919-555-0100,1985-04-23,3b,Machinist,es\n"
    b"Ben,Okafor,ben@example.org,,1980-11-02,,Welder,en\n"
    b"Chloe,Nguyen,chloe@example.org,,1990-02-28,1,Nurse,en\n"
)


def on_the_roster(employer):
    group = PriorityGroup.objects.get(code="3b")
    ana = InviteeFactory(
        organization=employer,
        first_name="Ana",
        last_name="Garcia",
        email="ana@example.org",
        phone="919-555-0100",
        date_of_birth=date(1985, 4, 23),
        priority_group=group,
        occupation="Machinist",
        language="es",
    )
    ben = InviteeFactory(
        organization=employer,
        first_name="Ben",
        last_name="Okafor",
        email="ben@example.org",
        date_of_birth=date(1979, 11, 2),
        priority_group=group,
        occupation="Welder",
        language="en",
    )
    return ana, ben


def upload(client, capture):
    with capture(execute=True):
        client.post(
            reverse("employer:employers.uploads"),
            {"file": SimpleUploadedFile("again.csv", REUPLOAD, content_type="text/csv")},
        )
    return RosterUpload.objects.get()


def test_reupload_shows_new_changed_and_unchanged_people_before_import(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    _ana, ben = on_the_roster(employer)
    client.force_login(employer_admin)

    roster_upload = upload(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("employer:employers.upload", args=[roster_upload.pk])).content.decode()

    assert (roster_upload.rows_new, roster_upload.rows_updated, roster_upload.rows_unchanged) == (1, 1, 1)
    assert roster_upload.field_changes == {"date_of_birth": 1, "priority_group_id": 1}
    assert 'data-count="new">1<' in page
    assert (
        'data-count="updated">1 <span class="text-body-secondary">(date of birth: 1; priority group: 1)'
        in page
    )
    assert 'data-count="unchanged">1<' in page
    assert "<td>Date of birth</td><td>1979-11-02</td><td>1980-11-02</td>" in page
    assert "<td>Priority group</td><td>3b</td><td>—</td>" in page
    assert "ben@example.org" in page and "ana@example.org" not in page  # only the changed are listed
    ben.refresh_from_db()
    assert (ben.date_of_birth, ben.priority_group.code) == (date(1979, 11, 2), "3b")  # nothing changed yet


def test_import_that_changes_people_is_refused_until_confirmed(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    ana, ben = on_the_roster(employer)
    client.force_login(employer_admin)
    roster_upload = upload(client, django_capture_on_commit_callbacks)
    url = reverse("employer:employers.upload.import", args=[roster_upload.pk])

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, follow=True)

    roster_upload.refresh_from_db()
    assert roster_upload.status == UploadStatus.VALIDATED
    assert "tick the box to confirm them" in refused.content.decode()
    assert Invitee.objects.filter(organization=employer).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm_changes": "yes"})

    roster_upload.refresh_from_db()
    assert roster_upload.status == UploadStatus.IMPORTED
    assert (roster_upload.rows_new, roster_upload.rows_updated, roster_upload.rows_unchanged) == (1, 1, 1)
    ben.refresh_from_db()
    assert (ben.date_of_birth, ben.priority_group) == (date(1980, 11, 2), None)
    ana_after = Invitee.objects.get(pk=ana.pk)
    assert (ana_after.updated_at, ana_after.last_upload_id) == (ana.updated_at, ana.last_upload_id)
    assert Invitee.objects.get(email="chloe@example.org").status == InviteeStatus.INVITED


def test_upload_of_only_new_people_needs_no_confirmation(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    client.force_login(employer_admin)
    roster_upload = upload(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("employer:employers.upload", args=[roster_upload.pk])).content.decode()
    assert "confirm_changes" not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("employer:employers.upload.import", args=[roster_upload.pk]))

    roster_upload.refresh_from_db()
    assert (roster_upload.status, roster_upload.rows_new) == (UploadStatus.IMPORTED, 3)


def test_changes_are_listed_for_the_first_hundred_people_with_a_fixed_number_of_queries(
    client, employer, employer_admin, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    lines = [HEADER]
    for n in range(150):
        InviteeFactory(organization=employer, email=f"p{n}@example.org", first_name="Old", last_name="Name")
        lines.append(f"New,Name,p{n}@example.org,,1980-01-01,,,en\n".encode())
    client.force_login(employer_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("employer:employers.uploads"),
            {"file": SimpleUploadedFile("many.csv", b"".join(lines), content_type="text/csv")},
        )
    roster_upload = RosterUpload.objects.get()

    with django_assert_max_num_queries(12):
        response = client.get(reverse("employer:employers.upload", args=[roster_upload.pk]))

    assert roster_upload.rows_updated == 150
    assert len(response.context["changes"]) == 100
    assert "The first 100 are listed." in response.content.decode()


def test_every_change_downloads_as_csv_and_is_audited(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    on_the_roster(employer)
    client.force_login(employer_admin)
    roster_upload = upload(client, django_capture_on_commit_callbacks)
    url = reverse("employer:employers.upload.changes", args=[roster_upload.pk])

    response = client.get(url)

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Line", "Person", "E-mail", "Column", "On the roster", "In this file"],
        ["3", "Ben Okafor", "ben@example.org", "Date of birth", "1979-11-02", "1980-11-02"],
        ["3", "Ben Okafor", "ben@example.org", "Priority group", "3b", "—"],
    ]
    event = AuditEvent.objects.get(action="employers.roster.changes_exported")
    assert (event.actor, event.target_id) == (employer_admin, str(roster_upload.pk))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("employer:employers.upload.import", args=[roster_upload.pk]), {"confirm_changes": "yes"}
        )
    assert client.get(url).status_code == 404  # imported: there is nothing left to compare


def test_import_goes_back_to_the_person_when_the_roster_changed_since_the_check(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    client.force_login(employer_admin)
    roster_upload = upload(client, django_capture_on_commit_callbacks)  # Ana, Ben, Chloe: all new
    assert (roster_upload.rows_new, roster_upload.rows_updated) == (3, 0)
    # Meanwhile another roster put Chloe on it, as a pharmacist.
    chloe = InviteeFactory(
        organization=employer, email="chloe@example.org", first_name="Chloe", occupation="Pharmacist"
    )
    url = reverse("employer:employers.upload.import", args=[roster_upload.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # no confirmation asked: the page showed no change

    roster_upload.refresh_from_db()
    assert roster_upload.status == UploadStatus.VALIDATED
    assert (roster_upload.rows_new, roster_upload.rows_updated, roster_upload.rows_unchanged) == (2, 1, 0)
    assert roster_upload.failure.startswith(
        "Nothing was imported: the roster changed since this file was checked"
    )
    assert Invitee.objects.filter(organization=employer).count() == 1
    assert Invitee.objects.get(pk=chloe.pk).occupation == "Pharmacist"
    page = client.get(reverse("employer:employers.upload", args=[roster_upload.pk])).content.decode()
    assert "<td>Occupation</td><td>Pharmacist</td><td>Nurse</td>" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm_changes": "yes"})

    roster_upload.refresh_from_db()
    assert (roster_upload.status, roster_upload.failure) == (UploadStatus.IMPORTED, "")
    assert Invitee.objects.get(pk=chloe.pk).occupation == "Nurse"
