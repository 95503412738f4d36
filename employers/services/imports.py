"""Moving an upload's staged rows onto the roster, in a worker: every valid row, or none."""

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.audit import audit
from cvms.models import User
from employers.enums import InviteeStatus, UploadStatus
from employers.models import Invitee, RosterRow, RosterUpload
from employers.services.changes import Comparison, any_differs, upload_compare

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock's first key for "this organization's roster is being imported".
IMPORT_LOCK = 0x524F5354


def roster_rows_import(*, upload_id: int, by: User | None) -> None:
    """Move an upload's staged rows onto the roster: every valid row or, on any error, none.

    One transaction, set-based: an INSERT ... SELECT from the staging table with ON CONFLICT
    on (organization, e-mail), so a person already on the roster is updated, not duplicated.
    The invitations of the new people without an account are made later, batch by batch, by
    the send task (`invitations_make_and_send`): making 100,000 of them here (a random key, a
    unique index and a foreign key each) took about half of a large import."""
    try:
        with transaction.atomic():
            # Locking the upload makes a re-delivered task wait here, then find it imported: as long
            # as the import takes, so not with `cvms.locking`'s bounded wait.
            upload = RosterUpload.objects.select_for_update().filter(pk=upload_id).first()
            if upload is None or upload.status != UploadStatus.IMPORTING:
                return
            if connection.vendor == "postgresql":
                # Check the foreign keys as each statement ends, not at commit (the whole
                # transaction still rolls back on an error). No JIT: the planner's cost of a
                # large upsert crosses its threshold, and compiling took about 0.4 s of a
                # statement bound by writing rows, not by evaluating expressions.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET LOCAL jit = off")
            if connection.vendor == "postgresql":
                # One import at a time per organization (waiting, like the upload lock above), so
                # that the roster can't change between the check below and the upsert.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, upload.organization_id]
                    )
            comparison = upload_compare(upload)
            if _preview_outdated(upload, comparison):
                _preview_renew(upload, comparison)
                return
            staged = RosterRow.objects.filter(upload=upload).count()
            new, updated, to_invite = _rows_import(upload, all_new=not comparison.on_roster)
            RosterRow.objects.filter(upload=upload).delete()
            RosterUpload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.IMPORTED,
                progress=100,
                rows_new=new,
                rows_updated=updated,
                rows_unchanged=staged - new - updated,
                people_to_invite=to_invite,
                finished_at=timezone.now(),
            )
            audit(
                action="employers.roster.imported",
                by=by,
                target=upload,
                data={
                    "new": new,
                    "updated": updated,
                    "unchanged": staged - new - updated,
                    "to_invite": to_invite,
                },
            )
            from employers.tasks import invitations_dispatch

            outbox.enqueue(invitations_dispatch, upload_id=upload_id)
    except DatabaseError:
        logger.exception("Importing roster upload %s failed; nothing was imported", upload_id)
        _import_fail(
            upload_id,
            lambda: _(
                "The import failed and nothing was imported (the priority groups may have "
                "changed since the file was checked). Upload the file again."
            ),
        )
    except SoftTimeLimitExceeded:
        # The worker's soft time limit: the transaction rolled back; stop cleanly.
        logger.warning("Importing roster upload %s took too long; nothing was imported", upload_id)
        connection.close()  # the signal may have cut a statement short: start afresh
        _import_fail(
            upload_id,
            lambda: (
                _(
                    "The import took longer than the %(minutes)s minutes allowed, and nothing was "
                    "imported. Split the file into smaller ones."
                )
                % {"minutes": settings.CELERY_TASK_SOFT_TIME_LIMIT // 60}
            ),
        )


def _preview_outdated(upload: RosterUpload, comparison: Comparison) -> bool:
    """Whether the roster changed since the person saw what the upload would change (another
    upload imported meanwhile): the counts of new, changed and unchanged people, and of each
    detail, no longer those shown."""
    return (
        upload.rows_new,
        upload.rows_updated,
        upload.rows_unchanged,
        upload.field_changes,
    ) != (
        upload.rows_valid - comparison.on_roster,
        comparison.changed,
        comparison.on_roster - comparison.changed,
        comparison.by_field,
    )


def _preview_renew(upload: RosterUpload, comparison: Comparison) -> None:
    """Nothing is imported: the upload goes back to the person with what it would change now,
    to be confirmed again (never a change they weren't shown)."""
    with translation.override(upload.language):
        message = _(
            "Nothing was imported: the roster changed since this file was checked (another roster "
            "was imported). Check what the file changes now, then import it again."
        )
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATED,
        progress=100,
        rows_new=upload.rows_valid - comparison.on_roster,
        rows_updated=comparison.changed,
        rows_unchanged=comparison.on_roster - comparison.changed,
        field_changes=comparison.by_field,
        failure=message,
    )
    audit(action="employers.roster.preview_renewed", by=None, target=upload)


def _import_fail(upload_id: int, message) -> None:
    upload = RosterUpload.objects.get(pk=upload_id)
    with translation.override(upload.language):
        RosterUpload.objects.filter(pk=upload_id, status=UploadStatus.IMPORTING).update(
            status=UploadStatus.FAILED, failure=message(), finished_at=timezone.now()
        )


def _rows_import(upload: RosterUpload, *, all_new: bool) -> tuple[int, int, int]:
    """Upsert the staged rows into the roster; return (new, updated, new people to invite).

    A person already on the roster as the file writes them is left alone (the upsert's WHERE):
    "updated" counts the people whose details changed, as the upload's page showed them.

    `all_new`: nobody of the file is on the roster, as the comparison found it under the import
    lock (only imports add people, one at a time per organization): a plain INSERT, without the
    upsert's speculative insertion (the unique index probed before each row is written, and the
    row written again to confirm it), a fifth of the statement. Were someone added meanwhile
    after all, the unique index refuses the INSERT and nothing is imported."""
    invitee, staging = Invitee._meta.db_table, RosterRow._meta.db_table
    fields = [
        "first_name",
        "last_name",
        "phone",
        "date_of_birth",
        "priority_group_id",
        "occupation",
        "language",
    ]
    insert = f"""
        INSERT INTO {invitee} AS i (organization_id, email, {", ".join(fields)}, status, created_by_upload_id,
            last_upload_id, created_at, updated_at)
        SELECT %(organization)s, r.email, {", ".join("r." + f for f in fields)},
            CASE WHEN EXISTS (SELECT 1 FROM {User._meta.db_table} AS u WHERE lower(u.email) = r.email)
                 THEN %(has_account)s ELSE %(added)s END,
            %(upload)s, %(upload)s, %(now)s, %(now)s
        FROM {staging} AS r WHERE r.upload_id = %(upload)s"""  # noqa: S608
    upsert = (
        insert
        + f"""
        ON CONFLICT (organization_id, email) DO UPDATE SET
            {", ".join(f"{f} = EXCLUDED.{f}" for f in fields)},
            last_upload_id = EXCLUDED.last_upload_id, updated_at = EXCLUDED.updated_at
        WHERE {any_differs(row="EXCLUDED")}"""
    )
    statement = insert if all_new else upsert
    params = {
        "organization": upload.organization_id,
        "upload": upload.pk,
        "now": timezone.now(),
        "has_account": InviteeStatus.HAS_ACCOUNT,
        "added": InviteeStatus.ADDED,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the upsert returns each row and whether it was inserted (xmax = 0
            # for a fresh tuple).
            cursor.execute(
                f"""WITH upserted AS ({statement} RETURNING status, (xmax = 0) AS inserted)
                    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
                        count(*) FILTER (WHERE inserted AND status = %(added)s)
                    FROM upserted""",  # noqa: S608
                params,
            )
            return cursor.fetchone()
        # SQLite (`make run`): the same upsert, then count the rows it inserted.
        cursor.execute(statement, params)
        named = cursor.rowcount
    new = Invitee.objects.filter(organization_id=upload.organization_id, created_by_upload=upload)
    return new.count(), named - new.count(), new.filter(status=InviteeStatus.ADDED).count()
