"""The inventory levels form: the doses counted and wasted at a location, reconciled with the
ledger."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_one
from cvms.models import User
from enrollment.models import Location
from inventory.enums import MovementKind, WasteReason
from inventory.models import InventoryReport, InventoryReportLine, Stock
from inventory.services.errors import InventoryError
from inventory.services.ledger import move, stock_rows_ensure


@transaction.atomic
def inventory_report_submit(
    *, location: Location, counted_on: date, lines: list[dict], note: str = "", by: User, request=None
) -> InventoryReport:
    """Record the "Inventory Levels" form: for each lot, the doses wasted (with a reason) and
    the doses counted. Waste becomes a `wasted` (or `expired`) movement; what the count still
    differs from the ledger becomes an `adjusted` movement. All or nothing.

    `lines`: [{"lot": Lot, "counted": int, "wasted": int, "waste_reason": str, "note": str}].
    The ledger is read under each balance's lock at submission, so doses given between opening
    the form and submitting it are not counted as lost.
    """
    if counted_on > timezone.localdate():
        raise InventoryError(_("The count can't be dated in the future."))
    report = InventoryReport.objects.create(
        location=location, counted_on=counted_on, note=note, submitted_by=by
    )
    for line in sorted(lines, key=lambda line: line["lot"].pk):  # fixed lock order
        lot, counted, wasted = line["lot"], line["counted"], line.get("wasted") or 0
        reason = line.get("waste_reason") or ""
        if counted is None or counted < 0:
            raise InventoryError(_("Lot %(lot)s: the count can't be negative.") % {"lot": lot.number})
        if wasted < 0:
            raise InventoryError(_("Lot %(lot)s: wasted doses can't be negative.") % {"lot": lot.number})
        if wasted and not reason:
            raise InventoryError(
                _("Lot %(lot)s: give the reason the doses were wasted.") % {"lot": lot.number}
            )
        stock_rows_ensure(pairs=[(location.pk, lot.pk)])
        stock = lock_one(Stock.objects.all(), location=location, lot=lot)
        report_line = InventoryReportLine.objects.create(
            report=report,
            lot=lot,
            ledger_on_hand=stock.on_hand,
            counted=counted,
            wasted=wasted,
            waste_reason=reason,
            note=line.get("note", ""),
        )
        if wasted:
            move(
                location=location,
                lot=lot,
                kind=MovementKind.EXPIRED if reason == WasteReason.EXPIRED else MovementKind.WASTED,
                quantity=-wasted,
                reason=reason,
                note=report_line.note,
                by=by,
                report=report,
            )
        if report_line.adjustment:
            move(
                location=location,
                lot=lot,
                kind=MovementKind.ADJUSTED,
                quantity=report_line.adjustment,
                note=report_line.note or _("Counted %(n)s on %(date)s") % {"n": counted, "date": counted_on},
                by=by,
                report=report,
            )
    audit(
        action="inventory.report.submitted",
        by=by,
        target=report,
        request=request,
        data={"location": location.pk, "counted_on": counted_on.isoformat(), "lots": len(lines)},
    )
    return report
