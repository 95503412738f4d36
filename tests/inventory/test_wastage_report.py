"""The printable wasted/expired doses report: asked for on the wastage page, made by a PDF
worker as an export job (administration's, through the wastage_report_request hook point), then
followed and downloaded on the job's page by those who may see the location."""

import io
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from administration.enums import ExportKind, ExportStatus
from administration.models import ExportJob
from cvms.models import OutboxTask
from cvms.roles import Role
from inventory.enums import WasteReason
from inventory.services.counts import inventory_report_submit
from tests.factories import LocationFactory
from tests.inventory.factories import stock


def _wastage_report_job(client, location, django_capture_on_commit_callbacks, **period):
    """Ask for the report as the wastage page's form does; the worker's task runs at commit."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("provider:inventory.wastage.pdf", args=[location.pk]), period)
    job = ExportJob.objects.get(kind=ExportKind.WASTAGE_REPORT)
    return response, job


def test_wasted_report_is_made_by_a_pdf_worker_not_in_the_request(
    client, home, django_capture_on_commit_callbacks
):
    location, _lot = stock(location=home.location, doses=20)
    client.force_login(home.admin)
    today = timezone.localdate().isoformat()

    response, job = _wastage_report_job(
        client, location, django_capture_on_commit_callbacks, since=today, until=today
    )

    # The request answers with the job's page, never with the PDF.
    assert response.status_code == 302
    assert response.url == reverse("provider:administration.offline.job", kwargs={"export_pk": job.pk})
    assert b"%PDF" not in response.content
    assert OutboxTask.objects.get(task="administration.tasks.export_run").queue == settings.PDF_QUEUE
    assert (job.location, job.requested_by, job.params["since"]) == (location, home.admin, today)
    page = client.get(response.url)
    assert page["Content-Type"].startswith("text/html")
    assert "Wasted and expired doses report" in page.content.decode()
    assert f'href="{reverse("provider:inventory.wastage")}"' in page.content.decode()  # "Back"
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert reverse("provider:administration.offline.download", kwargs={"export_pk": job.pk}) in (
        page.content.decode()
    )


def test_wasted_report_pdf_has_the_pin_in_the_top_right_corner(
    client, home, django_capture_on_commit_callbacks
):
    location, lot = stock(location=home.location, doses=20)
    inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 17, "wasted": 3, "waste_reason": WasteReason.DRAWN_NOT_ADMINISTERED}],
        by=home.admin,
    )
    client.force_login(home.admin)
    today = timezone.localdate().isoformat()
    _response, job = _wastage_report_job(
        client, location, django_capture_on_commit_callbacks, since=today, until=today
    )

    response = client.get(reverse("provider:administration.offline.download", kwargs={"export_pk": job.pk}))

    assert response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0]
    text = page.extract_text()
    assert lot.number in text
    assert "Drawn but" in text  # the reason, wrapped in its cell
    assert "Total doses 3" in text
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        if home.organization.pin in text:
            # The text's origin on the page: its text matrix through the current matrix.
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    assert found, "the PIN is not on the page"
    x, y = found[0]
    assert x > width / 2 and y > height * 0.85, f"PIN at {(x, y)} on a {width}×{height} page"


def test_wasted_report_of_another_period_leaves_out_the_doses_wasted_outside_it(
    client, home, django_capture_on_commit_callbacks
):
    location, lot = stock(location=home.location, doses=20)
    inventory_report_submit(
        location=location,
        counted_on=timezone.localdate(),
        lines=[{"lot": lot, "counted": 18, "wasted": 2, "waste_reason": WasteReason.DRAWN_NOT_ADMINISTERED}],
        by=home.admin,
    )
    client.force_login(home.admin)
    last_year = (timezone.localdate() - timedelta(days=365)).isoformat()
    _response, job = _wastage_report_job(
        client, location, django_capture_on_commit_callbacks, since=last_year, until=last_year
    )
    job.refresh_from_db()
    text = PdfReader(job.file.open("rb")).pages[0].extract_text()
    assert lot.number not in text and "Total doses 0" in text


def test_another_organizations_wasted_report_is_404_and_its_job_too(client, home, personas):
    location = LocationFactory(organization=personas.organizations["other_provider"])
    client.force_login(home.admin)
    assert client.post(reverse("provider:inventory.wastage.pdf", args=[location.pk])).status_code == 404
    assert not ExportJob.objects.exists()
    client.force_login(personas.other[Role.PROVIDER_ADMIN])
    client.post(reverse("provider:inventory.wastage.pdf", args=[location.pk]))
    job = ExportJob.objects.get()
    client.force_login(home.admin)
    for name in ("provider:administration.offline.job", "provider:administration.offline.download"):
        assert client.get(reverse(name, kwargs={"export_pk": job.pk})).status_code == 404


def test_vaccinator_sees_no_wasted_report_of_a_location_they_do_not_work_at(client, home):
    elsewhere = LocationFactory(organization=home.organization)
    client.force_login(home.vaccinator)
    assert client.post(reverse("provider:inventory.wastage.pdf", args=[elsewhere.pk])).status_code == 404
    client.force_login(home.admin)
    client.post(reverse("provider:inventory.wastage.pdf", args=[elsewhere.pk]))
    job = ExportJob.objects.get()
    client.force_login(home.vaccinator)
    assert (
        client.get(reverse("provider:administration.offline.job", kwargs={"export_pk": job.pk})).status_code
        == 404
    )
