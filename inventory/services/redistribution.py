"""Redistribution: a location posts doses it can't use before they expire; other locations
request them; the state approves (the doses move out of one ledger and into the other in one
transaction, as a completed `Transfer`) or refuses (nothing moves).

A posting is the scarce thing: its row is locked before the doses still available are read,
so two approvals of requests for the same doses take turns and never move more than posted."""

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_one
from cvms.models import User
from enrollment.models import Location
from inventory import selectors
from inventory.enums import RedistributionStatus, SurplusStatus, TransferStatus
from inventory.models import Lot, RedistributionRequest, SurplusPosting, Transfer
from inventory.services.errors import InsufficientStock, InventoryError
from inventory.services.ledger import refuse_expired
from inventory.services.transfers import _transfer_execute


def posting_moved(posting: SurplusPosting) -> int:
    """Doses of the posting already moved (approved requests)."""
    return posting.requests.filter(status=RedistributionStatus.APPROVED).aggregate(
        total=Coalesce(Sum("doses"), 0)
    )["total"]


@transaction.atomic
def surplus_post(
    *, location: Location, lot: Lot, doses: int, note: str = "", by: User, request=None
) -> SurplusPosting:
    """Offer `doses` of a lot on hand at `location` to other locations. Refused beyond what is
    on hand (less what the location already offers of it) and for an expired lot."""
    if doses < 1:
        raise InventoryError(_("Offer at least one dose."))
    refuse_expired(lot, timezone.localdate())
    on_hand = selectors.stock_on_hand(location=location, lot=lot)
    posted = SurplusPosting.objects.filter(location=location, lot=lot, status=SurplusStatus.OPEN)
    already = sum(p.doses - posting_moved(p) for p in posted)
    if doses + already > on_hand:
        raise InsufficientStock(
            _(
                "%(location)s has %(on_hand)s doses of lot %(lot)s and already offers %(already)s: "
                "at most %(room)s more can be offered, not %(doses)s."
            )
            % {
                "location": location.name,
                "on_hand": on_hand,
                "lot": lot.number,
                "already": already,
                "room": max(on_hand - already, 0),
                "doses": doses,
            }
        )
    posting = SurplusPosting.objects.create(location=location, lot=lot, doses=doses, note=note, posted_by=by)
    audit(
        action="inventory.surplus.posted",
        by=by,
        target=posting,
        request=request,
        data={"location": location.pk, "lot": lot.number, "doses": doses},
    )
    return posting


@transaction.atomic
def surplus_withdraw(*, posting: SurplusPosting, by: User, request=None) -> SurplusPosting:
    """Close a posting: the requests still awaiting the state are refused with it."""
    posting = _posting_locked(posting.pk)
    if posting.status != SurplusStatus.OPEN:
        raise InventoryError(_("This offer is already closed."))
    posting.status, posting.closed_at = SurplusStatus.CLOSED, timezone.now()
    posting.save(update_fields=["status", "closed_at"])
    refused = posting.requests.filter(status=RedistributionStatus.AWAITING_APPROVAL).update(
        status=RedistributionStatus.REFUSED,
        decided_by=by,
        decided_at=timezone.now(),
        decision_note=_("The offer was withdrawn."),
    )
    audit(
        action="inventory.surplus.withdrawn",
        by=by,
        target=posting,
        request=request,
        data={"refused": refused},
    )
    return posting


@transaction.atomic
def redistribution_request(
    *, posting: SurplusPosting, location: Location, doses: int, note: str = "", by: User, request=None
) -> RedistributionRequest:
    """`location` asks for `doses` of an open posting; the state decides."""
    if doses < 1:
        raise InventoryError(_("Ask for at least one dose."))
    posting = SurplusPosting.objects.select_related("lot").get(pk=posting.pk)
    if posting.status != SurplusStatus.OPEN:
        raise InventoryError(_("This offer is closed."))
    if posting.location_id == location.pk:
        raise InventoryError(_("These doses are already at %(location)s.") % {"location": location.name})
    if not location.is_active:
        raise InventoryError(_("%(location)s can't receive vaccine now.") % {"location": location.name})
    refuse_expired(posting.lot, timezone.localdate())
    available = posting.doses - posting_moved(posting)
    if doses > available:
        raise InventoryError(
            _("Only %(n)s doses of this offer are left; %(doses)s were asked for.")
            % {"n": available, "doses": doses}
        )
    asked = RedistributionRequest.objects.create(
        posting=posting, location=location, doses=doses, note=note, requested_by=by
    )
    audit(
        action="inventory.redistribution.requested",
        by=by,
        target=asked,
        request=request,
        data={"posting": posting.pk, "location": location.pk, "doses": doses},
    )
    return asked


def _posting_locked(posting_pk: int) -> SurplusPosting:
    """The posting, locked: its lock covers its requests too (a withdrawal and every decision on
    them take turns on this one row)."""
    return lock_one(SurplusPosting.objects.select_related("lot", "location"), pk=posting_pk)


def _locked_awaiting(asked: RedistributionRequest) -> tuple[SurplusPosting, RedistributionRequest]:
    posting = _posting_locked(asked.posting_id)
    asked = RedistributionRequest.objects.select_related("location").get(pk=asked.pk)
    if asked.status != RedistributionStatus.AWAITING_APPROVAL:
        raise InventoryError(_("This request was already decided."))
    return posting, asked


@transaction.atomic
def redistribution_approve(*, asked: RedistributionRequest, by: User, request=None) -> RedistributionRequest:
    """The state approves: the doses leave the posting location's ledger and enter the
    requester's, in this one transaction. Refused (nothing moves) when the posting has fewer
    doses left than asked, when it is closed, or when the doses are no longer on hand."""
    posting, asked = _locked_awaiting(asked)
    if posting.status != SurplusStatus.OPEN:
        raise InventoryError(_("This offer is closed."))
    available = posting.doses - posting_moved(posting)
    if asked.doses > available:
        raise InventoryError(
            _("Only %(n)s doses of this offer are left; the request is for %(doses)s.")
            % {"n": available, "doses": asked.doses}
        )
    now = timezone.now()
    transfer = Transfer.objects.create(
        from_location=posting.location,
        to_location=asked.location,
        lot=posting.lot,
        doses=asked.doses,
        status=TransferStatus.COMPLETED,
        note=_("Redistribution of offered doses"),
        requested_by=asked.requested_by,
        requested_at=asked.requested_at,
        decided_by=by,
        decided_at=now,
    )
    # The package's own helper for a transfer's pair of moves (both balances locked by id).
    _transfer_execute(transfer=transfer, by=by)
    asked.status, asked.transfer, asked.decided_by, asked.decided_at = (
        RedistributionStatus.APPROVED,
        transfer,
        by,
        now,
    )
    asked.save(update_fields=["status", "transfer", "decided_by", "decided_at"])
    if available == asked.doses:
        posting.status, posting.closed_at = SurplusStatus.CLOSED, now
        posting.save(update_fields=["status", "closed_at"])
    audit(
        action="inventory.redistribution.approved",
        by=by,
        target=asked,
        request=request,
        data={
            "from": posting.location_id,
            "to": asked.location_id,
            "lot": posting.lot.number,
            "doses": asked.doses,
        },
    )
    return asked


@transaction.atomic
def redistribution_refuse(
    *, asked: RedistributionRequest, note: str = "", by: User, request=None
) -> RedistributionRequest:
    """The state refuses: nothing moves."""
    _posting, asked = _locked_awaiting(asked)
    asked.status, asked.decided_by, asked.decided_at = RedistributionStatus.REFUSED, by, timezone.now()
    asked.decision_note = note
    asked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit(
        action="inventory.redistribution.refused", by=by, target=asked, request=request, data={"note": note}
    )
    return asked
