"""Rules that change rosters and invitations.

A roster goes through three steps, each a service: `roster_upload_create` (the person sends a
file; it is checked as a whole and queued), `roster_upload_validate` (a worker reads it row by
row into a staging table and records every error), then the person chooses
`roster_upload_import` (every valid row, in one transaction) or `roster_upload_discard`
(nothing). The import only puts people on the roster; the send task then makes the new
people's invitations batch by batch (`invitations_make_and_send`) and e-mails them with
`invitations_send`, which claims each one before sending it so that no one gets the same
invitation twice.

The recipients and administration apps (higher layers) call `invitation_open`,
`invitation_use` and `invitee_status_set` when a person opens their link, registers, books or
is vaccinated.
"""

import logging
import secrets
import sys
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.emails import render_email
from cvms.models import AuditEvent, User
from employers import rosterfiles
from employers.enums import DeliveryStatus, InviteeStatus, UploadStatus
from employers.models import Invitation, Invitee, RosterError, RosterRow, RosterUpload
from employers.rosterfiles import RosterFileError
from employers.selectors import invitation_token
from enrollment.models import Organization, PriorityGroup

logger = logging.getLogger(__name__)

# Rows are written to the staging table (and progress reported) this many at a time.
CHUNK_ROWS = 20_000
STAGING_COLUMNS = (
    "upload_id", "line", "first_name", "last_name", "email", "phone", "date_of_birth",
    "priority_group_id", "occupation", "language",
)  # fmt: skip

# A person who has gone further than an invitation is never invited again.
INVITABLE = (InviteeStatus.ADDED, InviteeStatus.INVITED, InviteeStatus.OPENED, InviteeStatus.REVOKED)


class RosterRefused(Exception):
    """A request about a roster that can't be done now; the message says why."""


class InvitationInvalid(Exception):
    """An invitation link that is used, revoked, expired or not sent yet."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


# --- Uploading ------------------------------------------------------------------------------


@transaction.atomic
def roster_upload_create(
    *, organization: Organization, file, by: User, language: str | None = None, request=None
) -> RosterUpload:
    """Accept a roster file for reading, or raise RosterFileError saying why it is refused.

    The file is checked as a whole here (size, type, that it is what it claims, that its
    first row is a roster's header), so the person hears at once; the rows are read by a
    worker after commit. Row errors are written in `language` (the uploader's)."""
    name = file.name or "roster"
    file_format = rosterfiles.detect_format(file, name, max_bytes=settings.EMPLOYERS_ROSTER_MAX_BYTES)
    sheet = rosterfiles.open_sheet(file, file_format)
    sheet.rows.close()  # only the header was needed here
    file.seek(0)
    upload = RosterUpload(
        organization=organization,
        uploaded_by=by,
        original_name=name[:255],
        file_format=file_format,
        language=language or settings.LANGUAGE_CODE,
    )
    upload.file.save(f"{organization.pk}-{secrets.token_hex(8)}.{file_format}", file, save=False)
    upload.save()
    audit(
        action="employers.roster.uploaded",
        by=by,
        target=upload,
        request=request,
        data={"organization": organization.pk, "file": name, "size": file.size, "format": file_format},
    )
    from employers.tasks import roster_validate

    transaction.on_commit(lambda: roster_validate.delay(upload_id=upload.pk))
    return upload


def roster_upload_validate(*, upload_id: int) -> None:
    """Read every row of an upload, check it, and stage the valid ones.

    Runs in a worker, outside one big transaction on purpose: the staged rows and the progress
    are committed chunk by chunk so that the page can show progress; nothing reaches the roster
    until the person chooses to import."""
    claimed = RosterUpload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).update(
        status=UploadStatus.VALIDATING, progress=0
    )
    if not claimed:
        return  # gone, or another worker has it
    upload = RosterUpload.objects.get(pk=upload_id)
    try:
        with translation.override(upload.language):
            _validate(upload)
    except RosterFileError as error:
        _upload_fail(upload, str(error))
    except Exception:
        logger.exception("Reading roster upload %s failed", upload_id)
        with translation.override(upload.language):
            _upload_fail(upload, _("The file couldn't be read. Check that it is a roster and try again."))


def _upload_fail(upload: RosterUpload, message: str) -> None:
    RosterRow.objects.filter(upload=upload).delete()
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.FAILED, failure=message, finished_at=timezone.now()
    )


def _validate(upload: RosterUpload) -> None:
    groups = {code.lower(): pk for pk, code in PriorityGroup.objects.values_list("pk", "code")}
    with upload.file.open("rb") as stored:
        raw = getattr(stored, "file", stored)
        sheet = rosterfiles.open_sheet(raw, upload.file_format)
        checker = rosterfiles.RowChecker(
            columns=sheet.columns,
            headers=sheet.headers,
            groups=groups,
            minimum_age=settings.EMPLOYERS_MINIMUM_AGE,
            today=timezone.localdate(),
        )
        staging = _Staging(upload.pk)
        fast, check, blank = checker.fast, checker.check, rosterfiles.is_blank
        errors = []
        read = invalid = 0
        try:
            write = staging.open()
            for line, cells in sheet.rows:
                row = fast(line, cells)
                if row is None:  # blank, invalid, or valid in a way the fast path doesn't know
                    if blank(cells):
                        continue
                    clean, row_errors = check(line, cells)
                    if clean is None:
                        invalid += 1
                        errors.extend(row_errors)
                    else:
                        write(clean.as_tuple())
                else:
                    write(row)
                read += 1
                if read % CHUNK_ROWS == 0:
                    # Between chunks: store them and their errors (memory stays flat however
                    # long the file), and show how far the reading has got.
                    staging.close()
                    _errors_save(upload, errors)
                    errors = []
                    RosterUpload.objects.filter(pk=upload.pk).update(
                        progress=min(int(sheet.progress() * 95), 95)
                    )
                    write = staging.open()
        finally:
            staging.close()
    _errors_save(upload, errors)
    duplicates = _duplicates_remove(upload)
    valid = RosterRow.objects.filter(upload=upload).count()
    updated = _count_already_on_roster(upload)
    RosterUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.VALIDATED,
        progress=100,
        rows_read=read,
        rows_valid=valid,
        rows_invalid=invalid + duplicates,
        rows_new=valid - updated,
        rows_updated=updated,
        validated_at=timezone.now(),
    )
    audit(
        action="employers.roster.validated",
        by=None,
        target=upload,
        data={"read": read, "valid": valid, "invalid": invalid + duplicates, "updated": updated},
    )


class _Staging:
    """Writes checked rows to the staging table as they are read, a chunk at a time (between
    chunks, with no COPY open, the progress is saved). On PostgreSQL each chunk is one COPY
    stream fed row by row, with no list of rows in between; elsewhere (SQLite for `make run`),
    bulk_create per chunk."""

    def __init__(self, upload_id: int):
        self.upload_id = upload_id
        self.postgres = connection.vendor == "postgresql"
        self._copy = None
        self._rows: list[tuple] = []

    def open(self):
        """Start a chunk; return the function that writes one row to it."""
        upload_id = self.upload_id
        if not self.postgres:
            append = self._rows.append
            return lambda row: append(row)
        cursor = connection.cursor().cursor
        self._copy = cursor.copy(f"COPY {RosterRow._meta.db_table} ({', '.join(STAGING_COLUMNS)}) FROM STDIN")
        write_row = self._copy.__enter__().write_row
        return lambda row: write_row((upload_id, *row))

    def close(self) -> None:
        """Store the current chunk; called with an exception pending, abandon its COPY."""
        if self.postgres:
            copy, self._copy = self._copy, None
            if copy is not None:
                copy.__exit__(*sys.exc_info())
        elif self._rows:
            RosterRow.objects.bulk_create(
                [
                    RosterRow(upload_id=self.upload_id, **dict(zip(STAGING_COLUMNS[1:], row, strict=True)))
                    for row in self._rows
                ],
                batch_size=500,
            )
            self._rows.clear()


def _errors_save(upload: RosterUpload, errors: list) -> None:
    RosterError.objects.bulk_create(
        [
            RosterError(
                upload=upload, line=e.line, column=e.column[:100], value=e.value, message=e.message[:300]
            )
            for e in errors
        ],
        batch_size=2000,
    )


def _duplicates_remove(upload: RosterUpload) -> int:
    """A person (an e-mail address) named twice in one file: the first row stands, the later
    ones are errors. Done in SQL so that memory doesn't grow with the file."""
    table = RosterRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT id, line, email, first_line FROM (
                    SELECT id, line, email, min(line) OVER (PARTITION BY email) AS first_line
                    FROM {table} WHERE upload_id = %s) AS numbered
                WHERE line > first_line ORDER BY line""",  # noqa: S608 (table name from the model)
            [upload.pk],
        )
        duplicates = cursor.fetchall()
    if not duplicates:
        return 0
    RosterError.objects.bulk_create(
        [
            RosterError(
                upload=upload,
                line=line,
                column=_("E-mail"),
                value=email[:200],
                message=_("This person is already on line %(line)s of the file.") % {"line": first_line},
            )
            for _id, line, email, first_line in duplicates
        ],
        batch_size=2000,
    )
    ids = [row[0] for row in duplicates]
    for start in range(0, len(ids), 500):
        RosterRow.objects.filter(pk__in=ids[start : start + 500]).delete()
    return len(duplicates)


def _count_already_on_roster(upload: RosterUpload) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {RosterRow._meta.db_table} AS r WHERE r.upload_id = %s AND EXISTS (
                    SELECT 1 FROM {Invitee._meta.db_table} AS i
                    WHERE i.organization_id = %s AND i.email = r.email)""",  # noqa: S608
            [upload.pk, upload.organization_id],
        )
        return cursor.fetchone()[0]


# --- Choosing: import the valid rows, or nothing ----------------------------------------------


@transaction.atomic
def roster_upload_import(*, upload: RosterUpload, by: User, request=None) -> None:
    """The person chose to import the valid rows: a worker does it after commit."""
    claimed = RosterUpload.objects.filter(pk=upload.pk, status=UploadStatus.VALIDATED).update(
        status=UploadStatus.IMPORTING, progress=0
    )
    if not claimed:
        raise RosterRefused(
            _("This roster can't be imported now: it has already been imported or discarded.")
        )
    audit(action="employers.roster.import_requested", by=by, target=upload, request=request)
    from employers.tasks import roster_import

    transaction.on_commit(lambda: roster_import.delay(upload_id=upload.pk, by_id=by.pk))


@transaction.atomic
def roster_upload_discard(*, upload: RosterUpload, by: User, request=None) -> None:
    """The person chose to import nothing: the staged rows go, the roster is untouched."""
    claimed = RosterUpload.objects.filter(pk=upload.pk, status=UploadStatus.VALIDATED).update(
        status=UploadStatus.DISCARDED, finished_at=timezone.now()
    )
    if not claimed:
        raise RosterRefused(
            _("This roster can't be discarded now: it has already been imported or discarded.")
        )
    RosterRow.objects.filter(upload=upload).delete()
    audit(action="employers.roster.discarded", by=by, target=upload, request=request)


def roster_rows_import(*, upload_id: int, by: User | None) -> None:
    """Move an upload's staged rows onto the roster: every valid row or, on any error, none.

    One transaction, set-based: an INSERT ... SELECT from the staging table with ON CONFLICT
    on (organization, e-mail), so a person already on the roster is updated, not duplicated.
    The invitations of the new people without an account are made later, batch by batch, by
    the send task (`invitations_make_and_send`): making 100,000 of them here (a random key, a
    unique index and a foreign key each) took about half of a large import."""
    try:
        with transaction.atomic():
            # Locking the upload makes a re-delivered task wait here, then find it imported.
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
            new, updated, to_invite = _rows_import(upload)
            RosterRow.objects.filter(upload=upload).delete()
            RosterUpload.objects.filter(pk=upload.pk).update(
                status=UploadStatus.IMPORTED,
                progress=100,
                rows_new=new,
                rows_updated=updated,
                people_to_invite=to_invite,
                finished_at=timezone.now(),
            )
            audit(
                action="employers.roster.imported",
                by=by,
                target=upload,
                data={"new": new, "updated": updated, "to_invite": to_invite},
            )
            from employers.tasks import invitations_dispatch

            transaction.on_commit(lambda: invitations_dispatch.delay(upload_id=upload_id))
    except DatabaseError:
        logger.exception("Importing roster upload %s failed; nothing was imported", upload_id)
        upload = RosterUpload.objects.get(pk=upload_id)
        with translation.override(upload.language):
            RosterUpload.objects.filter(pk=upload_id).update(
                status=UploadStatus.FAILED,
                failure=_(
                    "The import failed and nothing was imported (the priority groups may have "
                    "changed since the file was checked). Upload the file again."
                ),
                finished_at=timezone.now(),
            )


def _rows_import(upload: RosterUpload) -> tuple[int, int, int]:
    """Upsert the staged rows into the roster; return (new, updated, new people to invite)."""
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
    upsert = f"""
        INSERT INTO {invitee} (organization_id, email, {", ".join(fields)}, status, created_by_upload_id,
            last_upload_id, created_at, updated_at)
        SELECT %(organization)s, r.email, {", ".join("r." + f for f in fields)},
            CASE WHEN EXISTS (SELECT 1 FROM {User._meta.db_table} AS u WHERE lower(u.email) = r.email)
                 THEN %(has_account)s ELSE %(added)s END,
            %(upload)s, %(upload)s, %(now)s, %(now)s
        FROM {staging} AS r WHERE r.upload_id = %(upload)s
        ON CONFLICT (organization_id, email) DO UPDATE SET
            {", ".join(f"{f} = EXCLUDED.{f}" for f in fields)},
            last_upload_id = EXCLUDED.last_upload_id, updated_at = EXCLUDED.updated_at"""  # noqa: S608
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
                f"""WITH upserted AS ({upsert} RETURNING status, (xmax = 0) AS inserted)
                    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
                        count(*) FILTER (WHERE inserted AND status = %(added)s)
                    FROM upserted""",  # noqa: S608
                params,
            )
            return cursor.fetchone()
        # SQLite (`make run`): the same upsert, then count the rows it inserted.
        cursor.execute(upsert, params)
        named = cursor.rowcount
    new = Invitee.objects.filter(organization_id=upload.organization_id, created_by_upload=upload)
    return new.count(), named - new.count(), new.filter(status=InviteeStatus.ADDED).count()


# --- Sending invitations --------------------------------------------------------------------


def invitee_batches(*, upload_id: int) -> list[list[int]]:
    """The new people of an imported upload who are still to be invited, in sending batches."""
    upload = RosterUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        return []
    ids = list(
        Invitee.objects.filter(
            organization_id=upload.organization_id, status=InviteeStatus.ADDED, created_by_upload=upload
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = settings.EMPLOYERS_INVITATION_BATCH
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def invitations_make_and_send(*, upload_id: int, invitee_ids: list[int]) -> int:
    """Make the invitations of these new people of an upload (those still to be invited), then
    e-mail them; return how many were sent.

    Safe to run twice, or in two workers at once: an upload's invitation of a person is made
    once (a unique constraint, and locked invitees), and each is claimed before it is sent. A
    re-run also sends what an earlier run made but didn't get to send."""
    _invitations_make(upload_id=upload_id, invitee_ids=invitee_ids)
    pending = Invitation.objects.filter(
        upload_id=upload_id,
        invitee_id__in=list(invitee_ids),
        status=DeliveryStatus.PENDING,
        revoked_at__isnull=True,
    )
    return invitations_send(invitation_ids=list(pending.order_by("pk").values_list("pk", flat=True)))


@transaction.atomic
def _invitations_make(*, upload_id: int, invitee_ids: list[int]) -> None:
    # Lock the people first (as `invitations_resend` does), then look for their links in a
    # later statement, which sees what another worker or a resend committed meanwhile.
    locked = list(
        Invitee.objects.select_for_update()
        .filter(pk__in=list(invitee_ids), created_by_upload_id=upload_id, status=InviteeStatus.ADDED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        return
    have = set(
        Invitation.objects.filter(invitee_id__in=locked)
        .filter(Q(revoked_at__isnull=True) | Q(upload_id=upload_id))
        .values_list("invitee_id", flat=True)
    )
    now = timezone.now()
    Invitation.objects.bulk_create(
        [
            Invitation(invitee_id=pk, upload_id=upload_id, key=secrets.token_hex(16), created_at=now)
            for pk in locked
            if pk not in have
        ],
        ignore_conflicts=True,  # the constraint invitation_one_per_import, the last guard
    )


def _claim(invitation_ids: list[int]) -> list[int]:
    """Move pending invitations to `sending` and return those this call got: a conditional
    UPDATE, so that of two workers given the same batch only one sends each invitation."""
    if not invitation_ids:
        return []
    expires = timezone.now() + timedelta(days=settings.EMPLOYERS_INVITATION_DAYS)
    placeholders = ", ".join(["%s"] * len(invitation_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Invitation._meta.db_table} SET status = %s, expires_at = %s
                WHERE id IN ({placeholders}) AND status = %s AND revoked_at IS NULL
                RETURNING id""",  # noqa: S608
            [DeliveryStatus.SENDING, expires, *invitation_ids, DeliveryStatus.PENDING],
        )
        return sorted(row[0] for row in cursor.fetchall())


def invitations_send(*, invitation_ids: list[int]) -> int:
    """E-mail each pending invitation among `invitation_ids` once; return how many were sent.

    Each invitation is claimed (pending → sending) before its e-mail goes out and marked sent
    after, so a retried or re-run task skips it. A crash between the two leaves it `sending`:
    it is not sent again automatically (one e-mail too few beats one too many; the
    organization can resend). An SMTP error puts the unsent ones back to pending and raises,
    so the task retries them."""
    claimed = _claim(list(invitation_ids))
    if not claimed:
        return 0
    invitations = (
        Invitation.objects.filter(pk__in=claimed)
        .select_related("invitee__organization", "upload__uploaded_by")
        .order_by("pk")
    )
    sent: list[Invitation] = []
    try:
        with get_connection() as mail:
            for invitation in invitations:
                message = _invitation_message(invitation)
                message.connection = mail
                message.send()
                sent.append(invitation)
    except OSError:
        # The SMTP server failed us: what wasn't sent goes back to pending for the retry.
        Invitation.objects.filter(
            pk__in=set(claimed) - {i.pk for i in sent}, status=DeliveryStatus.SENDING
        ).update(status=DeliveryStatus.PENDING)
        raise
    finally:
        _mark_sent(sent)
    return len(sent)


def _invitation_message(invitation: Invitation) -> EmailMultiAlternatives:
    invitee = invitation.invitee
    link = settings.SITE_URL.rstrip("/") + reverse(
        "me:employers.invitation", kwargs={"token": invitation_token(invitation)}
    )
    rendered = render_email(
        "employers/invitation",
        {
            "name": invitee.first_name,
            "organization": invitee.organization.name,
            "link": link,
            "expires_at": invitation.expires_at,
            "days": settings.EMPLOYERS_INVITATION_DAYS,
        },
        language=invitee.language,
    )
    message = EmailMultiAlternatives(subject=rendered["subject"], body=rendered["text"], to=[invitee.email])
    message.attach_alternative(rendered["html"], "text/html")
    return message


@transaction.atomic
def _mark_sent(invitations: list[Invitation]) -> None:
    """Mark a batch's sent invitations (set-based: three statements for the batch)."""
    if not invitations:
        return
    now = timezone.now()
    ids = [invitation.pk for invitation in invitations]
    Invitation.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=now
    )
    Invitee.objects.filter(pk__in=[i.invitee_id for i in invitations], status__in=INVITABLE).update(
        status=InviteeStatus.INVITED, updated_at=now
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=now,
                action="employers.invitation.sent",
                target_type=Invitation._meta.label_lower,
                target_id=str(invitation.pk),
                data={"invitee": invitation.invitee_id, "organization": invitation.invitee.organization_id},
            )
            for invitation in invitations
        ]
    )


@transaction.atomic
def invitations_resend(*, organization: Organization, invitee_ids, by: User, request=None) -> int:
    """Send a new link to each of these people (of `organization` only) who may still be
    invited; their earlier unused links stop working. Returns how many will be sent."""
    invitees = list(
        Invitee.objects.select_for_update()
        .filter(organization=organization, pk__in=list(invitee_ids), status__in=INVITABLE)
        .order_by("pk")
    )
    if not invitees:
        return 0
    now = timezone.now()
    Invitation.objects.filter(invitee__in=invitees, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    created = Invitation.objects.bulk_create(
        [Invitation(invitee=invitee, key=secrets.token_hex(16), created_at=now) for invitee in invitees]
    )
    ids = [invitation.pk for invitation in created]
    audit(
        action="employers.invitation.resent",
        by=by,
        target=organization,
        request=request,
        data={"invitees": [invitee.pk for invitee in invitees], "invitations": ids},
    )
    from employers.tasks import invitations_send_batch

    size = settings.EMPLOYERS_INVITATION_BATCH
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        transaction.on_commit(lambda batch=batch: invitations_send_batch.delay(invitation_ids=batch))
    return len(ids)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User, request=None) -> None:
    """Stop a link from working (it was sent to the wrong person, say)."""
    now = timezone.now()
    revoked = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if not revoked:
        raise RosterRefused(_("This invitation can't be revoked: it has been used or revoked already."))
    Invitee.objects.filter(pk=invitation.invitee_id, status__in=INVITABLE).update(
        status=InviteeStatus.REVOKED, updated_at=now
    )
    audit(
        action="employers.invitation.revoked",
        by=by,
        target=invitation,
        request=request,
        data={"invitee": invitation.invitee_id},
    )


# --- For the recipients and administration apps ---------------------------------------------


@transaction.atomic
def invitation_open(*, invitation: Invitation, request=None) -> None:
    """The link was followed: note it the first time (the roster shows "opened")."""
    now = timezone.now()
    first = Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
    if not first:
        return
    invitation.opened_at = now
    Invitee.objects.filter(pk=invitation.invitee_id, status=InviteeStatus.INVITED).update(
        status=InviteeStatus.OPENED, updated_at=now
    )
    audit(action="employers.invitation.opened", by=None, target=invitation, request=request)


@transaction.atomic
def invitation_use(*, invitation: Invitation, recipient_id: int, by: User | None, request=None) -> None:
    """The invited person registered through this link: it never works again, nor do their
    other links, and the roster shows them registered. Raises InvitationInvalid (with
    `.state`: "used", "revoked", "expired", "unsent") when the link can't be used; a
    conditional UPDATE, so two registrations racing on one link can't both win."""
    now = timezone.now()
    used = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by_recipient_id=recipient_id)
    if not used:
        invitation.refresh_from_db()
        raise InvitationInvalid(invitation.link_state(now))
    invitation.used_at = now
    invitation.used_by_recipient_id = recipient_id
    Invitation.objects.filter(
        invitee_id=invitation.invitee_id, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    Invitee.objects.filter(pk=invitation.invitee_id).update(
        recipient_id=recipient_id, status=InviteeStatus.REGISTERED, updated_at=now
    )
    audit(
        action="employers.invitation.used",
        by=by,
        target=invitation,
        request=request,
        data={"recipient": recipient_id, "invitee": invitation.invitee_id},
    )


@transaction.atomic
def invitee_recipient_reassign(*, from_recipient_id: int, to_recipient_id: int, by: User | None) -> list[int]:
    """Two recipient records were merged: the roster entries and used links of the removed one
    now belong to the surviving one (they point at recipients by id, not by foreign key, because
    employers sits below recipients). Returns the roster entries moved."""
    invitee_ids = list(Invitee.objects.filter(recipient_id=from_recipient_id).values_list("pk", flat=True))
    Invitee.objects.filter(pk__in=invitee_ids).update(recipient_id=to_recipient_id, updated_at=timezone.now())
    Invitation.objects.filter(used_by_recipient_id=from_recipient_id).update(
        used_by_recipient_id=to_recipient_id
    )
    if invitee_ids:
        audit(
            action="employers.invitee.recipient_reassigned",
            by=by,
            data={
                "invitees": invitee_ids,
                "from_recipient": from_recipient_id,
                "to_recipient": to_recipient_id,
            },
        )
    return invitee_ids


@transaction.atomic
def invitee_status_set(*, invitee_ids, status: InviteeStatus, by: User | None = None) -> int:
    """Show these people's progress on their rosters (registered, booked, vaccinated).
    Returns how many rows changed."""
    status = InviteeStatus(status)
    ids = list(invitee_ids)
    changed = (
        Invitee.objects.filter(pk__in=ids)
        .exclude(status=status)
        .update(status=status, updated_at=timezone.now())
    )
    if changed:
        audit(
            action="employers.invitee.status_changed",
            by=by,
            data={"invitees": ids, "status": status.value},
        )
    return changed
