"""Each class of background work goes to its own queue (issue 18), so that a roster of 100,000
people, its invitations, a million-dose export or a stack of PDFs never delays another kind."""

import pytest

from administration.enums import ExportKind
from administration.services import files as exports
from cvms.celery import app
from cvms.models import OutboxTask
from cvms.roles import Role
from tests.factories import LocationFactory


def _queue_of(task_name: str, options: dict | None = None) -> str:
    return app.amqp.router.route(dict(options or {}), task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("employers.tasks.roster_validate", "uploads"),
        ("employers.tasks.roster_import", "uploads"),
        ("employers.tasks.invitations_dispatch", "invitations"),
        ("employers.tasks.invitations_invite_batch", "invitations"),
        ("employers.tasks.invitations_send_batch", "invitations"),
        ("administration.tasks.export_run", "exports"),
        ("cvms.tasks.send_email", "celery"),
        ("cvms.tasks.outbox_sweep", "celery"),
    ],
)
def test_tasks_are_routed_to_their_class_of_work(task_name, queue):
    assert _queue_of(task_name) == queue


@pytest.mark.django_db
def test_printed_forms_go_to_the_pdf_workers_and_registry_files_to_the_exports(
    personas, django_capture_on_commit_callbacks
):
    location = LocationFactory(organization=personas.organizations["home_provider"])
    with django_capture_on_commit_callbacks():  # published by a worker's broker, not run here
        exports.export_request(
            kind=ExportKind.FORMS_BLANK,
            by=personas.home[Role.PROVIDER_ADMIN],
            organization=location.organization,
            location=location,
            params={"count": 1},
        )
        exports.export_request(
            kind=ExportKind.HL7, by=personas.home[Role.STATE_OFFICIAL], params={"since_last": False}
        )

    rows = OutboxTask.objects.filter(task="administration.tasks.export_run").order_by("id")
    assert [_queue_of(row.task, {"queue": row.queue} if row.queue else {}) for row in rows] == [
        "pdfs",
        "exports",
    ]
