"""The roster pages in both portals, as their users see them."""

import csv
import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from cvms.models import AuditEvent
from employers.enums import InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterUpload
from tests.employers.conftest import roster_file
from tests.employers.factories import InvitationFactory, InviteeFactory, RosterUploadFactory
from tests.employers.helpers import upload_roster


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def post_roster(client, portal: str, name: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse(f"{portal}:employers.uploads"), {"file": roster_file(name)})


def test_employer_uploads_sees_the_per_line_report_and_imports(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    client.force_login(employer_admin)

    response = post_roster(client, "employer", "mixed.csv", django_capture_on_commit_callbacks)
    upload = RosterUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("employer:employers.upload", args=[upload.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="read">10<' in page
    assert 'data-count="valid">2<' in page
    assert 'data-count="invalid">8<' in page
    assert "<td>7</td><td>date of birth</td><td>2020-06-01</td><td>Younger than 16" in page
    assert "Import valid rows" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("employer:employers.upload.import", args=[upload.pk]))

    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTED
    assert sorted(Invitee.objects.values_list("email", flat=True)) == [
        "dana.lee@example.org",
        "jo@example.org",
    ]
    assert len(mail.outbox) == 2


def test_import_nothing_button_leaves_the_roster_unchanged(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    client.force_login(employer_admin)
    post_roster(client, "employer", "mixed.csv", django_capture_on_commit_callbacks)
    upload = RosterUpload.objects.get()

    response = client.post(reverse("employer:employers.upload.discard", args=[upload.pk]), follow=True)

    assert "Nothing was imported; the roster is unchanged." in response.content.decode()
    assert not Invitee.objects.exists()
    assert RosterUpload.objects.get().status == UploadStatus.DISCARDED


def test_refused_file_shows_why_on_the_form(client, employer, employer_admin):
    client.force_login(employer_admin)

    response = client.post(reverse("employer:employers.uploads"), {"file": roster_file("fake.xlsx")})

    assert response.status_code == 200
    assert "The file is named .xlsx but is not an Excel workbook." in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_provider_administrator_uploads_from_the_provider_portal(
    client, provider, provider_admin, django_capture_on_commit_callbacks
):
    client.force_login(provider_admin)

    response = post_roster(client, "provider", "windows1252.csv", django_capture_on_commit_callbacks)

    upload = RosterUpload.objects.get()
    assert upload.organization == provider
    assert response["Location"] == reverse("provider:employers.upload", args=[upload.pk])


def test_vaccinator_may_not_upload(client, provider):
    from cvms.roles import Role
    from tests.factories import member

    client.force_login(member(provider, Role.VACCINATOR))

    assert client.get(reverse("provider:employers.uploads")).status_code == 403
    assert client.get(reverse("provider:employers.roster")).status_code == 403


def test_organization_a_cannot_see_organization_bs_uploads_people_or_invitations(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    theirs = RosterUploadFactory()  # organization B
    their_invitation = InvitationFactory(
        invitee__organization=theirs.organization, invitee__last_name="Theirs"
    )
    client.force_login(employer_admin)

    for name in ("upload", "upload.progress", "upload.errors"):
        assert client.get(reverse(f"employer:employers.{name}", args=[theirs.pk])).status_code == 404
    for name in ("upload.import", "upload.discard"):
        assert client.post(reverse(f"employer:employers.{name}", args=[theirs.pk])).status_code == 404
    revoke = reverse("employer:employers.invitation.revoke", args=[their_invitation.pk])
    assert client.get(revoke).status_code == 404
    assert client.post(revoke).status_code == 404
    assert "Theirs" not in client.get(reverse("employer:employers.roster")).content.decode()
    assert read_csv(client.get(reverse("employer:employers.roster.export")))[1:] == []
    assert theirs.file.name not in client.get(reverse("employer:employers.uploads")).content.decode()
    theirs.refresh_from_db()
    their_invitation.refresh_from_db()
    assert theirs.status == UploadStatus.VALIDATED
    assert their_invitation.revoked_at is None


def test_progress_answers_json(client, employer, employer_admin):
    upload = RosterUploadFactory(organization=employer, status=UploadStatus.VALIDATING, progress=40)
    client.force_login(employer_admin)

    response = client.get(reverse("employer:employers.upload.progress", args=[upload.pk]))

    assert response.json() == {
        "status": "validating",
        "label": "Reading and checking",
        "progress": 40,
        "working": True,
    }


@pytest.mark.parametrize("rows", [3, 60])
def test_roster_page_runs_a_fixed_number_of_queries(
    rows, client, employer, employer_admin, django_assert_num_queries
):
    for _ in range(rows):
        InvitationFactory(invitee__organization=employer)
    client.force_login(employer_admin)
    client.get(reverse("employer:employers.roster"))  # warm the session and the caches

    # session, user, membership (gate), count, page, prefetched invitations, status counts,
    # menu's portals (2), the audit row of the people shown
    with django_assert_num_queries(10):
        response = client.get(reverse("employer:employers.roster"))

    assert response.status_code == 200
    assert len(response.context["invitees"]) == min(rows, 50)


def test_roster_filters_searches_and_counts(client, employer, employer_admin):
    InviteeFactory(organization=employer, first_name="Ana", last_name="García", status=InviteeStatus.INVITED)
    InviteeFactory(
        organization=employer, first_name="Ben", last_name="Okafor", status=InviteeStatus.REGISTERED
    )
    InviteeFactory(
        organization=employer, first_name="Chloe", last_name="Okafor", status=InviteeStatus.INVITED
    )
    client.force_login(employer_admin)
    url = reverse("employer:employers.roster")

    def names(**query):
        """The search is POSTed as the page's form does (its terms are kept out of the URL)."""
        return [i.first_name for i in client.post(url, query, follow=True).context["invitees"]]

    assert names() == ["Ana", "Ben", "Chloe"]
    assert names(status="invited") == ["Ana", "Chloe"]
    assert names(q="okafor") == ["Ben", "Chloe"]
    assert names(q="okafor", status="registered") == ["Ben"]
    page = client.get(url).content.decode()
    assert "Total: 3" in page
    assert "Invited: 2" in page
    assert "Registered: 1" in page


def test_roster_export_escapes_formula_cells(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    InviteeFactory(
        organization=employer,
        first_name="=1+1",
        last_name="@SUM(A1)",
        occupation="-2+3",
        phone="+19195550100",
    )
    client.force_login(employer_admin)

    rows = read_csv(client.get(reverse("employer:employers.roster.export")))

    assert rows[0][:3] == ["First name", "Last name", "E-mail"]
    assert rows[1][:2] == ["'=1+1", "'@SUM(A1)"]
    assert rows[1][3] == "'+19195550100"
    assert rows[1][6] == "'-2+3"


def test_error_report_lists_every_error_and_escapes_formulas(
    client, employer, employer_admin, django_capture_on_commit_callbacks
):
    content = b"first name,last name,email,date of birth\n=HYPERLINK(1),Doe,=bad,1980-01-01\n"
    upload = upload_roster(
        django_capture_on_commit_callbacks,
        organization=employer,
        by=employer_admin,
        name="f.csv",
        content=content,
    )
    client.force_login(employer_admin)

    rows = read_csv(client.get(reverse("employer:employers.upload.errors", args=[upload.pk])))

    assert rows == [
        ["Line", "Column", "Value", "Problem"],
        ["2", "email", "'=bad", "Not a valid e-mail address."],
    ]


def test_template_download_has_the_columns(client, employer, employer_admin):
    client.force_login(employer_admin)

    rows = read_csv(client.get(reverse("employer:employers.roster.template")))

    assert rows[0] == [
        "First name", "Last name", "E-mail", "Phone", "Date of birth", "Priority group", "Occupation",
        "Preferred language",
    ]  # fmt: skip


def test_revoke_asks_for_confirmation_first(client, employer, employer_admin):
    invitation = InvitationFactory(invitee__organization=employer, invitee__first_name="Dana")
    client.force_login(employer_admin)
    url = reverse("employer:employers.invitation.revoke", args=[invitation.pk])

    confirmation = client.get(url)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert "will stop working" in confirmation.content.decode()

    response = client.post(url, follow=True)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "no longer works" in response.content.decode()


def test_resend_from_the_roster_page(client, employer, employer_admin, django_capture_on_commit_callbacks):
    first = InvitationFactory(invitee__organization=employer)
    second = InvitationFactory(invitee__organization=employer)
    client.force_login(employer_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("employer:employers.roster.resend"),
            {"invitee": [first.invitee_id, second.invitee_id]},
            follow=True,
        )

    assert "2 invitations will be sent again." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.invitee.email, second.invitee.email])
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 2


def test_portal_menu_links_to_the_roster(client, employer, employer_admin):
    client.force_login(employer_admin)

    page = client.get(reverse("employer:dashboard")).content.decode()

    assert f'href="{reverse("employer:employers.roster")}">Roster</a>' in page
    roster = client.get(reverse("employer:employers.roster")).content.decode()
    assert f'href="{reverse("employer:employers.uploads")}">Upload a roster</a>' in roster


def test_roster_search_keeps_names_out_of_the_url_and_is_audited(client, employer, employer_admin):
    ana = InviteeFactory(organization=employer, last_name="García", status=InviteeStatus.INVITED)
    InviteeFactory(organization=employer, last_name="Okafor", status=InviteeStatus.INVITED)
    client.force_login(employer_admin)

    found = client.post(
        reverse("employer:employers.roster"), {"q": "garcía", "status": "invited"}, follow=True
    )

    assert [i.pk for i in found.context["invitees"]] == [ana.pk]
    [(url, _status)] = found.redirect_chain
    assert "status=invited" in url  # not personal: a link to it can be shared
    assert "garc" not in url.lower()
    event = AuditEvent.objects.get(action="employers.invitee.searched")
    assert (event.actor, event.data) == (employer_admin, {"fields": ["q", "status"], "found": [ana.pk]})


def test_roster_export_is_audited(client, employer, employer_admin):
    InviteeFactory(organization=employer)
    client.force_login(employer_admin)

    client.get(reverse("employer:employers.roster.export"))

    event = AuditEvent.objects.get(action="employers.roster.exported")
    assert (event.actor, event.target_id) == (employer_admin, str(employer.pk))


def test_roster_export_follows_the_search_and_the_status_filter(client, employer, employer_admin):
    InviteeFactory(organization=employer, first_name="Ana", last_name="García", status=InviteeStatus.INVITED)
    InviteeFactory(
        organization=employer, first_name="Ben", last_name="Okafor", status=InviteeStatus.REGISTERED
    )
    InviteeFactory(
        organization=employer, first_name="Chloe", last_name="Okafor", status=InviteeStatus.INVITED
    )
    client.force_login(employer_admin)

    def exported(**search) -> list[str]:
        """The names in the CSV the page's export link gives, after the search was posted."""
        page = client.post(reverse("employer:employers.roster"), search, follow=True)
        html = page.content.decode()
        link = re.search(r'href="([^"]*/roster/export\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
        assert "okafor" not in link.lower()  # the terms stay out of the URL
        return [row[0] for row in read_csv(client.get(link))[1:]]

    assert exported() == ["Ana", "Ben", "Chloe"]
    assert exported(q="okafor") == ["Ben", "Chloe"]
    assert exported(q="okafor", status="invited") == ["Chloe"]
    assert exported(status="registered") == ["Ben"]
    event = AuditEvent.objects.filter(action="employers.roster.exported").latest("id")
    assert event.data == {"fields": ["status"]}


def test_roster_export_ignores_a_search_key_of_another_session(client, employer, employer_admin):
    InviteeFactory(organization=employer, first_name="Ana", last_name="García")
    InviteeFactory(organization=employer, first_name="Ben", last_name="Okafor")
    client.force_login(employer_admin)

    rows = read_csv(client.get(reverse("employer:employers.roster.export") + "?search=not-mine"))

    assert [row[0] for row in rows[1:]] == ["Ana", "Ben"]
