"""Two records of one person: merging them, and undoing the merge.

A merge keeps a snapshot of both records (`RecipientMerge`: the duplicate's every field, the
survivor's fields it filled in) and the id of every row it moved, so that the state can undo it:
the duplicate is made again with its own id, and every dose, appointment, printed form, roster
link and other row moved goes back to it. Dose records move through administration's services
both ways (the `recipients_merged` and `recipients_merge_undone` hook points), which bump their
version so that the registry is sent them again under the person they belong to.
"""

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.hooks import contributions
from cvms.locking import lock_all, lock_one, lock_one_or_none
from cvms.models import User
from employers.interface import roster_links_move, roster_links_of
from recipients.models import DuplicateCandidate, GroupNotice, Recipient, RecipientMerge
from recipients.services.duplicates import duplicates_refresh


class MergeRefused(Exception):
    pass


# The survivor's fields a merge may fill in from the duplicate (undo puts them back).
FILLED_IN = ("user_id", "middle_name", "occupation", "street_2", "priority_group_id")
# Recipients' own rows that a merge doesn't move: the pairs are found again afterwards, and a
# group's notice already sent to the survivor needn't be kept twice.
NOT_MOVED = {DuplicateCandidate, GroupNotice}


def _snapshot(recipient: Recipient) -> dict:
    """Every field of the record as JSON-safe values (dates as ISO text), and its many-to-many ids."""
    fields = {field.attname: field.value_from_object(recipient) for field in Recipient._meta.concrete_fields}
    return {
        "fields": {name: _plain(value) for name, value in fields.items()},
        "many_to_many": {
            field.name: sorted(getattr(recipient, field.name).values_list("pk", flat=True))
            for field in Recipient._meta.many_to_many
        },
    }


def _plain(value):
    """A field's value as JSON keeps it: dates and times as ISO text (to the microsecond)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _restore(snapshot: dict) -> Recipient:
    fields = {
        field.attname: field.to_python(snapshot["fields"][field.attname])
        for field in Recipient._meta.concrete_fields
        if field.attname in snapshot["fields"]
    }
    recipient = Recipient(**fields)
    recipient.save(force_insert=True)
    for name, ids in snapshot["many_to_many"].items():
        getattr(recipient, name).set(ids)
    return recipient


@transaction.atomic
def recipient_merge(*, survivor: Recipient, duplicate: Recipient, by: User, request=None) -> Recipient:
    """Merge `duplicate` into `survivor`: every row that points at the duplicate (appointments,
    doses, whatever app owns them) is moved to the survivor, then the duplicate is deleted; a
    `RecipientMerge` keeps what the undo needs.

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
    snapshot = _snapshot(duplicate)
    survivor_before = {name: _plain(getattr(survivor, name)) for name in FILLED_IN}
    survivor_before["invited_by"] = sorted(survivor.invited_by.values_list("pk", flat=True))
    claimed: dict[str, list[int]] = {}
    for moves in contributions("recipients_merged"):
        claimed.update(moves(survivor=survivor, duplicate=duplicate, by=by, request=request))
    related: dict[str, dict] = {}
    DuplicateCandidate.objects.filter(recipient=duplicate).delete()
    DuplicateCandidate.objects.filter(other=duplicate).delete()
    try:
        with transaction.atomic():
            for relation in Recipient._meta.related_objects:
                if relation.related_model not in NOT_MOVED:
                    related.update(_repoint(relation, survivor=survivor, duplicate=duplicate))
    except IntegrityError:
        raise MergeRefused(
            _("Two rows of the records can't both stay with one person. Correct one of them, then merge.")
        ) from None
    # Roster entries (employers) point at recipients by id, not by foreign key: the employers app
    # re-points them.
    roster = roster_links_of(duplicate.pk)
    roster_links_move(links=roster, to_recipient_id=survivor.pk, by=by, request=request)
    _own_m2m(survivor, duplicate)
    duplicate_user, duplicate_pk = duplicate.user, duplicate.pk
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
    merge = RecipientMerge.objects.create(
        survivor_id=survivor.pk,
        duplicate_id=duplicate_pk,
        survivor_before=survivor_before,
        duplicate_snapshot=snapshot,
        moved={"claimed": claimed, "related": related, "roster": roster},
        merged_by=by if by is not None and by.is_authenticated else None,
    )
    duplicates_refresh(recipient_ids=[survivor.pk])
    counts = {label: len(ids) for label, ids in claimed.items()}
    counts.update({label: len(spec["ids"]) for label, spec in related.items()})
    audit(
        action="recipients.recipient.merged",
        by=by,
        target=survivor,
        request=request,
        data={
            "merge": merge.pk,
            "duplicate": duplicate_pk,
            "duplicate_name": duplicate.full_name,
            "duplicate_email": duplicate.email,
            "duplicate_user": duplicate_user.pk if duplicate_user else None,
            "moved": counts,
            "invitees_of_duplicate": roster["invitees"],
        },
    )
    return survivor


@transaction.atomic
def recipient_merge_undo(*, merge: RecipientMerge, by: User, request=None) -> Recipient:
    """Undo a merge (state officials): the duplicate is made again as it was, with its id, and
    every row the merge moved goes back to it; the survivor's fields the merge filled in are put
    back. Rows made for the survivor since stay with it. Returns the restored record."""
    merge = lock_one(RecipientMerge.objects.all(), pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeRefused(_("This merge was undone already."))
    survivor = lock_one_or_none(Recipient.objects.all(), pk=merge.survivor_id)
    if survivor is None:
        raise MergeRefused(
            _("The record kept by this merge was merged into another since: undo that merge first.")
        )
    if Recipient.objects.filter(pk=merge.duplicate_id).exists():
        raise MergeRefused(_("The merged record exists again already."))
    before = merge.survivor_before
    duplicate_user_id = merge.duplicate_snapshot["fields"].get("user_id")
    if duplicate_user_id is not None and survivor.user_id == duplicate_user_id:
        # The survivor took the duplicate's account: it goes back first (one record per account).
        survivor.user_id = before.get("user_id")
        survivor.save(update_fields=["user"])
    restored = _restore(merge.duplicate_snapshot)
    for name in ("middle_name", "occupation", "street_2", "priority_group_id"):
        setattr(survivor, name, before.get(name))
    survivor.updated_at = timezone.now()
    survivor.save()
    survivor.invited_by.set(before.get("invited_by", []))
    moved = merge.moved
    back: dict[str, int] = {}
    for moves_back in contributions("recipients_merge_undone"):
        back.update(
            moves_back(
                survivor=survivor, restored=restored, moved=moved.get("claimed", {}), by=by, request=request
            )
        )
    for label, spec in moved.get("related", {}).items():
        model = apps.get_model(label)
        back[label] = model._base_manager.filter(pk__in=spec["ids"]).update(**{spec["field"]: restored})
    roster_links_move(links=moved.get("roster", {}), to_recipient_id=restored.pk, by=by, request=request)
    merge.undone_at = timezone.now()
    merge.undone_by = by if by is not None and by.is_authenticated else None
    merge.save(update_fields=["undone_at", "undone_by"])
    duplicates_refresh(recipient_ids=[survivor.pk, restored.pk])
    audit(
        action="recipients.recipient.merge_undone",
        by=by,
        target=restored,
        request=request,
        data={"merge": merge.pk, "survivor": survivor.pk, "moved_back": back},
    )
    return restored


def _repoint(relation, *, survivor: Recipient, duplicate: Recipient) -> dict[str, dict]:
    """Move the rows of one reverse relation from the duplicate to the survivor; returns
    {model label: {"field", "ids"}} of the rows moved (what the undo moves back)."""
    if relation.many_to_many:
        # A ManyToManyField on another model pointing at recipients: move the through rows,
        # skipping those the survivor already has.
        through = relation.through
        source = relation.field.m2m_field_name()
        target = relation.field.m2m_reverse_field_name()
        already = through.objects.filter(**{target: survivor}).values_list(source, flat=True)
        rows = through.objects.filter(**{target: duplicate})
        rows.filter(**{f"{source}__in": list(already)}).delete()
        ids = sorted(rows.values_list("pk", flat=True))
        rows.update(**{target: survivor})
        return {through._meta.label_lower: {"field": target, "ids": ids}} if ids else {}
    model = relation.related_model
    if relation.one_to_one and model._default_manager.filter(**{relation.field.name: survivor}).exists():
        # A one-to-one row (a profile): keep the survivor's if it has one.
        return {}
    rows = model._base_manager.filter(**{relation.field.name: duplicate})
    ids = sorted(rows.values_list("pk", flat=True))
    rows.update(**{relation.field.name: survivor})
    return {model._meta.label_lower: {"field": relation.field.name, "ids": ids}} if ids else {}


# The Recipient's own many-to-many fields (invited_by) are copied here, not by related_objects.
def _own_m2m(survivor: Recipient, duplicate: Recipient) -> None:
    for field in Recipient._meta.many_to_many:
        getattr(survivor, field.name).add(*getattr(duplicate, field.name).all())
