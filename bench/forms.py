"""Offline forms: one PDF job of blank forms against WeasyPrint on a trivial page."""

import time

from bench.harness import QUICK, Row

FORMS = 60 if QUICK else 500


def forms_row() -> Row:
    import pypdf
    from weasyprint import HTML

    from administration.enums import ExportKind
    from administration.models import ExportJob
    from administration.services import files
    from cvms.roles import Role
    from tests.factories import LocationFactory, member

    started = time.perf_counter()
    for _ in range(20):
        HTML(string="<p>A trivial page.</p>").write_pdf()
    trivial = 20 / (time.perf_counter() - started)

    location = LocationFactory()
    job = files.export_request(
        kind=ExportKind.FORMS_BLANK,
        by=member(location.organization, Role.PROVIDER_ADMIN),
        organization=location.organization,
        location=location,
        params={"count": FORMS},
    )
    started = time.perf_counter()
    files.export_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job = ExportJob.objects.get(pk=job.pk)
    with job.file.open("rb") as pdf:
        pages = len(pypdf.PdfReader(pdf).pages)
    rate = pages / seconds
    return Row(
        f"offline forms, {FORMS} blank forms in one job",
        round(rate, 1),
        "pages/s",
        round(trivial, 1),
        round(rate / trivial, 3),
        "50% of WeasyPrint on a trivial page",
        rate / trivial >= 0.5,
        f"{pages} pages in {seconds:.1f} s",
    )
