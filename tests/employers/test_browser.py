"""Acceptance 1, in a real browser: upload a roster with good and bad rows, read the per-line
report, import the valid rows, watch the progress complete, find the invitations in the outbox.
Tasks run in-process (no broker in the tests)."""

import pytest
from django.core import mail
from django.utils import timezone

from employers.enums import UploadStatus
from employers.models import Invitee, RosterUpload
from tests.browser import log_in
from tests.employers.conftest import FILES
from tests.factories import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_employer_uploads_a_roster_reads_the_report_imports_and_invitations_go_out(
    page, live_server, employer, employer_admin
):
    log_in(page, live_server, employer_admin.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/employer/")
    page.get_by_role("link", name="Roster", exact=True).click()
    page.get_by_role("link", name="Upload a roster").first.click()

    page.get_by_label("Roster file (CSV or Excel .xlsx)").set_input_files(str(FILES / "mixed.csv"))
    page.get_by_role("button", name="Upload and check").click()

    page.wait_for_selector("[data-testid=upload-summary]")
    summary = page.locator("[data-testid=upload-summary]")
    assert summary.locator("[data-count=read]").inner_text() == "10"
    assert summary.locator("[data-count=valid]").inner_text() == "2"
    assert summary.locator("[data-count=invalid]").inner_text() == "8"
    report = page.locator("[data-testid=upload-errors] tbody tr")
    assert report.count() == 8
    assert report.nth(0).inner_text().split("\t") == ["3", "first name", "", "Required: this cell is empty."]
    assert report.nth(6).inner_text().split("\t") == [
        "9",
        "E-mail",
        "dana.lee@example.org",
        "This person is already on line 2 of the file.",
    ]

    page.get_by_role("button", name="Import valid rows").click()

    page.wait_for_selector("#upload-status:text('Imported')")
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    assert summary.locator("[data-count=to-invite]").inner_text() == "2"
    assert sorted(m.to[0] for m in mail.outbox) == ["dana.lee@example.org", "jo@example.org"]
    assert Invitee.objects.filter(organization=employer).count() == 2

    page.get_by_role("link", name="See the roster").click()
    assert "Invited: 2" in page.locator("[data-testid=roster-counts]").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_progress_bar_follows_the_worker_without_reloading(page, live_server, employer, employer_admin):
    upload = RosterUpload.objects.create(
        organization=employer,
        uploaded_by=employer_admin,
        original_name="big.csv",
        file_format="csv",
        status=UploadStatus.VALIDATING,
        progress=10,
    )
    log_in(page, live_server, employer_admin.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/employer/")
    page.goto(f"{live_server.url}/employer/roster/uploads/{upload.pk}/")
    page.evaluate("window.notReloaded = true")

    RosterUpload.objects.filter(pk=upload.pk).update(progress=60)  # the worker moves on
    page.wait_for_selector("[role=progressbar][aria-valuenow='60']")
    assert page.evaluate("window.notReloaded") is True  # updated in place

    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATED, progress=100, rows_read=5, rows_valid=5, validated_at=timezone.now()
    )
    page.wait_for_selector("[data-testid=upload-summary]")  # reloaded once, to show the summary
    assert page.get_by_role("button", name="Import valid rows").is_enabled()
