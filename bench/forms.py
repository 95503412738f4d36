"""Offline forms: one PDF job of blank forms against WeasyPrint on a trivial page; the note adds
the same number of forms prefilled for a clinic's booked people (the documents alone, people
made up), the pages laid out whole when a value might not fit its box."""

import time
from datetime import date, datetime

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
    prefilled = _prefilled_rate(FORMS)
    return Row(
        f"offline forms, {FORMS} blank forms in one job",
        round(rate, 1),
        "pages/s",
        round(trivial, 1),
        round(rate / trivial, 3),
        "50% of WeasyPrint on a trivial page",
        rate / trivial >= 0.5,
        f"{pages} pages in {seconds:.1f} s; {FORMS} forms prefilled for a clinic: {prefilled:.1f} pages/s"
        f" ({prefilled / trivial:.0%} of the trivial page)",
    )


def _prefilled_rate(count: int) -> float:
    from administration.offline import documents
    from administration.offline.numbers import form_number_new

    heading = documents.FormHeading(
        organization="Wake Health", location="Raleigh Clinic", pin="NCA650001", clinic_date=date(2021, 2, 1)
    )
    pages = [
        documents.RegistrationPage(
            form_number_new(),
            documents.PrefilledPerson(
                first_name=f"Person{n}",
                last_name="López García",
                date_of_birth=date(1950, 3, 4),
                sex="F",
                street=f"{n} Main Street"
                if n % 20
                else f"{n} Apartment Complex of the Very Long Name, Building 12",
                city="Raleigh",
                state="NC",
                zip_code="27601",
                phone="919-555-0100",
                email=f"person{n}@example.org",
                appointment=datetime(2021, 2, 1, 9, 15),
                dose_number=1,
            ),
        )
        for n in range(count)
    ]
    started = time.perf_counter()
    documents.registration_forms_pdf(pages, heading=heading)
    return count / (time.perf_counter() - started)
