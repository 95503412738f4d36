"""Priority groups opening and closing: by a state official now, or at a time set ahead (a
periodic task opens the group when it is due); either way the people already registered in the
group are told by e-mail, in their language, in batches through the outbox.

Telling them is idempotent through `GroupNotice` (one per person and group): the dispatch that
splits the group into batches, and each batch, may run twice or in two workers at once and tell
nobody twice. A group closed and opened again doesn't tell the same people again.
"""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms import outbox
from cvms.audit import audit
from cvms.emails import enqueue_email_batch, render_email
from cvms.locking import lock_one
from cvms.models import User
from cvms.sites import absolute_url
from enrollment.models import PriorityGroup
from recipients.models import GroupNotice, Recipient


class ScheduleRefused(Exception):
    """A time to open a group that can't be set; the message says why."""


@transaction.atomic
def priority_group_open(*, group: PriorityGroup, by: User | None, request=None) -> PriorityGroup:
    """Open a priority group for booking and self-registration, in one audited action, and
    promise the notices to its registered people (sent after commit). `by` is None when the
    schedule opened it."""
    group = lock_one(PriorityGroup.objects.all(), pk=group.pk)
    if group.is_open:
        return group
    scheduled_for = group.opens_at
    group.is_open = True
    group.opened_at = timezone.now()
    # Done: a group closed later must not be opened again by its old schedule.
    group.opens_at = None
    group.save(update_fields=["is_open", "opened_at", "opens_at"])
    audit(
        action="recipients.priority_group.opened",
        by=by,
        target=group,
        request=request,
        data={"code": group.code, **({"scheduled_for": scheduled_for.isoformat()} if scheduled_for else {})},
    )
    from recipients.tasks import group_notices_dispatch

    outbox.enqueue(group_notices_dispatch, priority_group_id=group.pk)
    return group


@transaction.atomic
def priority_group_close(*, group: PriorityGroup, by: User, request=None) -> PriorityGroup:
    """Close a group again (booked appointments stay)."""
    group = lock_one(PriorityGroup.objects.all(), pk=group.pk)
    if not group.is_open:
        return group
    group.is_open = False
    group.save(update_fields=["is_open"])
    audit(
        action="recipients.priority_group.closed",
        by=by,
        target=group,
        request=request,
        data={"code": group.code},
    )
    return group


@transaction.atomic
def priority_group_schedule(
    *, group: PriorityGroup, opens_at: datetime | None, by: User, request=None
) -> PriorityGroup:
    """Set (or clear, with None) the time a closed group opens by itself."""
    group = lock_one(PriorityGroup.objects.all(), pk=group.pk)
    if opens_at is not None and group.is_open:
        raise ScheduleRefused(_("Group %(code)s is open already.") % {"code": group.code})
    if opens_at is not None and opens_at <= timezone.now():
        raise ScheduleRefused(_("Choose a time ahead, or open the group now."))
    previous = group.opens_at
    group.opens_at = opens_at
    group.save(update_fields=["opens_at"])
    audit(
        action="recipients.priority_group.scheduled" if opens_at else "recipients.priority_group.unscheduled",
        by=by,
        target=group,
        request=request,
        data={
            "code": group.code,
            "opens_at": opens_at.isoformat() if opens_at else None,
            "was": previous.isoformat() if previous else None,
        },
    )
    return group


def priority_groups_open_due(*, now: datetime | None = None) -> list[str]:
    """Open every closed group whose scheduled time has come (beat, every minute); returns their
    codes. Each opens in its own transaction, under its row lock: two runs open it once."""
    now = now or timezone.now()
    due = PriorityGroup.objects.filter(is_open=False, opens_at__lte=now).order_by("position", "pk")
    return [priority_group_open(group=group, by=None).code for group in due]


# --- Telling the group's people ----------------------------------------------------------------


def _birth_dates_within(group: PriorityGroup, today: date) -> Q:
    """The dates of birth of people whose age today is the group's (Q() when it has no range)."""
    condition = Q()
    if group.min_age is not None:
        condition &= Q(date_of_birth__lte=_years_before(today, group.min_age))
    if group.max_age is not None:
        # Younger than max_age + 1 years.
        condition &= Q(date_of_birth__gt=_years_before(today, group.max_age + 1))
    return condition


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none: the birthday falls on 1 March
        return date(day.year - years, 3, 1)


def group_people_to_tell(group: PriorityGroup):
    """The registered people of an open group, old enough (or young enough) for it, with an
    e-mail address, not told yet."""
    return (
        Recipient.objects.filter(priority_group=group)
        .exclude(email="")
        .filter(_birth_dates_within(group, timezone.localdate()))
        .exclude(group_notices__priority_group=group)
    )


def group_notices_dispatch(*, priority_group_id: int) -> int:
    """Split the group's people to tell into batches and promise each batch's task (through the
    outbox, in one transaction); returns how many batches. A group closed meanwhile tells no one."""
    from recipients.tasks import group_notices_send

    group = PriorityGroup.objects.filter(pk=priority_group_id, is_open=True).first()
    if group is None:
        return 0
    ids = list(group_people_to_tell(group).order_by("pk").values_list("pk", flat=True))
    size = settings.RECIPIENTS_NOTICE_BATCH
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    with transaction.atomic():
        for batch in batches:
            outbox.enqueue(group_notices_send, priority_group_id=group.pk, recipient_ids=batch)
    return len(batches)


@transaction.atomic
def group_notices_send(*, priority_group_id: int, recipient_ids: list[int]) -> int:
    """Write the notices of one batch (each person's e-mail in their language) to the outbox, to
    go over one SMTP connection after commit; returns how many. A person told already (by a
    run of the same batch, or another worker) is skipped: the notice row is claimed first."""
    group = PriorityGroup.objects.filter(pk=priority_group_id, is_open=True).first()
    if group is None:
        return 0
    people = list(group_people_to_tell(group).filter(pk__in=list(recipient_ids)).order_by("pk"))
    # A notice row per person, claimed by inserting it: a second run of the batch (or another
    # worker) waits on the unique index for this transaction, then skips the rows it made. Read
    # back the ones without an e-mail yet (ignore_conflicts doesn't say which rows were new).
    GroupNotice.objects.bulk_create(
        [GroupNotice(priority_group=group, recipient=person) for person in people], ignore_conflicts=True
    )
    claimed = {
        notice.recipient_id: notice
        for notice in GroupNotice.objects.filter(
            priority_group=group, recipient_id__in=[person.pk for person in people], email__isnull=True
        )
    }
    told = [person for person in people if person.pk in claimed]
    emails = enqueue_email_batch([_notice(group, person) for person in told])
    for person, email in zip(told, emails, strict=True):
        claimed[person.pk].email = email
    GroupNotice.objects.bulk_update(list(claimed.values()), ["email"])
    return len(emails)


def _notice(group: PriorityGroup, person: Recipient) -> dict:
    with translation.override(person.language):
        subject = _("Your priority group is open: you can book your vaccine")
        paragraphs = [
            _("Group %(code)s (%(label)s) is now open for booking.")
            % {"code": group.code, "label": group.display_label},
            _("Find a clinic near you and book an appointment. It is free."),
        ]
        action_label = _("Find a clinic")
    rendered = render_email(
        "notice",
        {
            "subject": subject,
            "name": person.first_name,
            "paragraphs": paragraphs,
            "action_url": absolute_url(reverse("me:administration.clinics")),
            "action_label": action_label,
        },
        language=person.language,
    )
    return {"to": [person.email], **rendered}
