"""Driving a roster through its steps as the views do, with the tasks run in-process."""

from employers.models import RosterUpload
from employers.services.uploads import roster_upload_create, roster_upload_import
from tests.employers.conftest import roster_file


def upload_roster(capture, *, organization, by, name: str, content: bytes | None = None) -> RosterUpload:
    """Upload a file and let the worker read it; return the upload as it stands after."""
    with capture(execute=True):
        upload = roster_upload_create(organization=organization, file=roster_file(name, content), by=by)
    upload.refresh_from_db()
    return upload


def import_roster(capture, *, upload: RosterUpload, by) -> RosterUpload:
    with capture(execute=True):
        roster_upload_import(upload=upload, by=by, changes_confirmed=True)
    upload.refresh_from_db()
    return upload


def errors_of(upload: RosterUpload) -> list[tuple]:
    return list(upload.errors.values_list("line", "column", "message"))
