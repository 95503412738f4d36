"""Two records of one person: merging them (and, later, undoing the merge)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.hooks import contributions
from cvms.locking import lock_all
from cvms.models import User
from employers.interface import invitee_recipient_reassign
from recipients.models import Recipient


class MergeRefused(Exception):
    pass


@transaction.atomic
def recipient_merge(*, survivor: Recipient, duplicate: Recipient, by: User, request=None) -> Recipient:
    """Merge `duplicate` into `survivor`: every row that points at the duplicate (appointments,
    doses, whatever app owns them) is moved to the survivor, then the duplicate is deleted.

    The apps above recipients move their own rows through their own services first (the
    `recipients_merged` hook point, cvms/hooks.py): administration bumps the moved dose records'
    version so that the registry is sent them again. Recipients can't import those apps; for
    whatever relation no app claimed, it walks `Recipient._meta.related_objects`, which covers
    every foreign key to a recipient, including those of apps added later. Refused when both hold
    an active appointment for the same dose (a constraint of the appointments): cancel one first.
    """
    if survivor.pk == duplicate.pk:
        raise MergeRefused(_("A record can't be merged into itself."))
    # Lock both rows in a fixed order (lowest id first) so two merges can't deadlock.
    locked = {r.pk: r for r in lock_all(Recipient.objects.filter(pk__in=[survivor.pk, duplicate.pk]))}
    if len(locked) != 2:
        raise MergeRefused(_("One of the records no longer exists."))
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    moved: dict[str, int] = {}
    for moves in contributions("recipients_merged"):
        moved.update(moves(survivor=survivor, duplicate=duplicate, by=by, request=request))
    try:
        with transaction.atomic():
            for relation in Recipient._meta.related_objects:
                moved.update(_repoint(relation, survivor=survivor, duplicate=duplicate))
    except IntegrityError:
        raise MergeRefused(
            _("Two rows of the records can't both stay with one person. Correct one of them, then merge.")
        ) from None
    # Roster entries (employers) point at recipients by id, not by foreign key: the employers app
    # re-points them.
    invitee_ids = invitee_recipient_reassign(
        from_recipient_id=duplicate.pk, to_recipient_id=survivor.pk, by=by, request=request
    )
    duplicate_user = duplicate.user
    snapshot = {
        "duplicate": duplicate.pk,
        "duplicate_name": duplicate.full_name,
        "duplicate_email": duplicate.email,
        "duplicate_user": duplicate.user_id,
        "moved": moved,
        "invitees_of_duplicate": invitee_ids,
    }
    _own_m2m(survivor, duplicate)
    duplicate.delete()
    if survivor.user_id is None and duplicate_user is not None:
        survivor.user = duplicate_user
    for name in ("middle_name", "occupation", "street_2"):
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    if survivor.priority_group_id is None:
        survivor.priority_group_id = duplicate.priority_group_id
    survivor.updated_at = timezone.now()
    survivor.save()
    audit(action="recipients.recipient.merged", by=by, target=survivor, request=request, data=snapshot)
    return survivor


def _repoint(relation, *, survivor: Recipient, duplicate: Recipient) -> dict[str, int]:
    """Move the rows of one reverse relation from the duplicate to the survivor."""
    if relation.many_to_many:
        # A ManyToManyField on another model pointing at recipients: move the through rows,
        # skipping those the survivor already has.
        through = relation.through
        source = relation.field.m2m_field_name()
        target = relation.field.m2m_reverse_field_name()
        already = through.objects.filter(**{target: survivor}).values_list(source, flat=True)
        rows = through.objects.filter(**{target: duplicate})
        rows.filter(**{f"{source}__in": list(already)}).delete()
        return {relation.related_model._meta.label_lower: rows.update(**{target: survivor})}
    if relation.one_to_one:
        # A one-to-one row (a profile): keep the survivor's if it has one.
        model = relation.related_model
        if model._default_manager.filter(**{relation.field.name: survivor}).exists():
            return {}
    model = relation.related_model
    manager = model._base_manager
    count = manager.filter(**{relation.field.name: duplicate}).update(**{relation.field.name: survivor})
    return {model._meta.label_lower: count} if count else {}


# The Recipient's own many-to-many fields (invited_by) are copied here, not by related_objects.
def _own_m2m(survivor: Recipient, duplicate: Recipient) -> None:
    for field in Recipient._meta.many_to_many:
        getattr(survivor, field.name).add(*getattr(duplicate, field.name).all())
