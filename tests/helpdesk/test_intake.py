import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cvms.models import AuditEvent
from enrollment.models import County
from helpdesk.enums import CaseAction, Category, Status
from helpdesk.models import Case, CaseAttachment
from tests.factories import LocationFactory, OrganizationFactory
from tests.helpdesk.factories import (
    ArticleFactory,
    CaseAttachmentFactory,
    CaseFactory,
    RoutingRuleFactory,
    TeamFactory,
    agent,
    requester,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def intake(**overrides):
    return {
        "category": Category.INVENTORY,
        "priority": "high",
        "subject": "Freezer alarm at night",
        "description": "The freezer alarm rings every night.",
        **overrides,
    }


@pytest.fixture
def provider_requester(db):
    provider = OrganizationFactory(name="Wake Clinic")
    location = LocationFactory(organization=provider, county_id="37063", name="Durham site")
    return requester(provider), location


def test_requester_files_a_case_routed_by_category_and_county_with_attachments(client, provider_requester):
    user, location = provider_requester
    durham_team = TeamFactory(name="Durham inventory")
    RoutingRuleFactory(category=Category.INVENTORY, county=County.objects.get(pk="37063"), team=durham_team)
    client.force_login(user)

    response = client.post(
        reverse("help:case.new"),
        {
            **intake(location=location.pk),
            "attachments": [
                SimpleUploadedFile("log.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("photo.PNG", PNG, content_type="image/png"),
            ],
        },
    )

    case = Case.objects.get()
    assert response["Location"] == reverse("help:case", args=[case.pk])
    assert (case.team, case.organization, case.location, case.county_id, case.status) == (
        durham_team,
        location.organization,
        location,
        "37063",
        Status.NEW,
    )
    assert sorted(case.attachments.values_list("original_name", "content_type")) == [
        ("log.pdf", "application/pdf"),
        ("photo.PNG", "image/png"),
    ]
    assert list(case.events.values_list("action", flat=True)) == [
        CaseAction.CREATED,
        CaseAction.ROUTED,
        CaseAction.ATTACHED,
        CaseAction.ATTACHED,
    ]
    assert AuditEvent.objects.filter(action="helpdesk.case.filed", target_id=str(case.pk)).exists()
    stored = case.attachments.first().file.name
    assert stored.startswith("helpdesk/attachments/") and "log" not in stored  # a random private name


def test_requester_without_organization_names_the_organization_and_county(client, db):
    client.force_login(requester())

    client.post(reverse("help:case.new"), intake(organization_name="Sunrise Home", county="37183"))

    case = Case.objects.get()
    assert (case.organization, case.organization_name, case.county_id) == (None, "Sunrise Home", "37183")
    assert case.team.is_default


def test_intake_refuses_another_organizations_location(client, provider_requester):
    user, _ = provider_requester
    elsewhere = LocationFactory()
    client.force_login(user)

    response = client.post(reverse("help:case.new"), intake(location=elsewhere.pk))

    assert "Select a valid choice" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, "tool.exe is not an accepted file type"),
        ("page.html", b"<html><script>alert(1)</script></html>", "page.html is not an accepted file type"),
        ("report.pdf", b"MZ\x90\x00 an executable renamed", "report.pdf is not an accepted file type"),
        ("photo.pdf", PNG, "photo.pdf is not an accepted file type"),  # name and content disagree
        ("notes.txt", b"\x00\x01\x02binary", "notes.txt is not an accepted file type"),
    ],
)
def test_intake_refuses_an_attachment_of_a_forbidden_type(client, db, name, content, message):
    client.force_login(requester())

    response = client.post(
        reverse("help:case.new"), {**intake(), "attachments": [SimpleUploadedFile(name, content)]}
    )

    assert message in response.content.decode()
    assert not Case.objects.exists()
    assert not CaseAttachment.objects.exists()


def test_intake_refuses_an_attachment_over_the_size_limit(client, db, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(requester())

    response = client.post(
        reverse("help:case.new"),
        {**intake(), "attachments": [SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)]},
    )

    assert "big.pdf is too large" in response.content.decode()
    assert not Case.objects.exists()


def test_intake_refuses_more_than_five_files(client, db):
    client.force_login(requester())
    files = [SimpleUploadedFile(f"f{n}.txt", b"hello") for n in range(6)]

    response = client.post(reverse("help:case.new"), {**intake(), "attachments": files})

    assert "Attach at most 5 files." in response.content.decode()


def test_intake_suggests_articles_matching_the_subject(client, db):
    ArticleFactory(title="Freezer temperature alarms", body="What to do when the freezer alarm rings.")
    ArticleFactory(title="Resetting your password", body="Use the link.")
    ArticleFactory(title="Freezer draft", body="freezer", is_published=False)

    data = client.get(reverse("help:kb.suggest"), {"subject": "freezer alarm at night"}).json()

    assert [item["title"] for item in data["articles"]] == ["Freezer temperature alarms"]
    assert client.get(reverse("help:kb.suggest"), {"subject": "hi"}).json() == {"articles": []}


def test_intake_page_carries_the_suggestion_box_and_script(client, db):
    client.force_login(requester())

    content = client.get(reverse("help:case.new")).content.decode()

    assert 'id="kb-suggestions"' in content and "helpdesk/suggest.js" in content


# --- Who may see a case --------------------------------------------------------------------------


def test_requester_sees_only_their_own_cases(client, db):
    mine, theirs = CaseFactory(subject="My question"), CaseFactory(subject="Their question")
    client.force_login(mine.requester)

    listing = client.get(reverse("help:cases")).content.decode()

    assert "My question" in listing and "Their question" not in listing
    assert client.get(reverse("help:case", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("help:case.reply", args=[theirs.pk]), {"body": "hello"}).status_code == 404
    assert not theirs.notes.exists()


def test_requester_can_not_download_another_requesters_attachment(client, db):
    attachment = CaseAttachmentFactory()
    client.force_login(requester())

    assert client.get(reverse("help:attachment", args=[attachment.pk])).status_code == 404


def test_attachment_is_served_as_a_download_to_its_requester_and_the_team(client, db):
    team = TeamFactory()
    member = agent(team)
    attachment = CaseAttachmentFactory(case=CaseFactory(team=team))

    for user in (attachment.case.requester, member):
        client.force_login(user)
        response = client.get(reverse("help:attachment", args=[attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_agent_of_another_team_can_not_download_a_cases_attachment(client, db):
    attachment = CaseAttachmentFactory()
    client.force_login(agent(TeamFactory()))

    assert client.get(reverse("help:attachment", args=[attachment.pk])).status_code == 404


def test_uploads_are_not_reachable_under_a_media_url(client, db):
    attachment = CaseAttachmentFactory()
    assert client.get("/private-media/" + attachment.file.name).status_code == 404
    assert client.get("/media/" + attachment.file.name).status_code == 404
