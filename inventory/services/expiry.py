"""Warnings of lots about to expire, e-mailed once to each location's administrators."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.models import User
from cvms.roles import Role
from inventory.models import ExpiryWarning, Stock

EXPIRY_WARNING_DAYS = 7


def expiry_warnings_send(*, today: date | None = None) -> int:
    """E-mail each location's provider administrators about lots with doses on hand that expire
    within a week. Each (location, lot) is warned once: the `ExpiryWarning` row, inserted before
    the mail is queued, is what makes a re-run (or a retried task) send nothing twice.
    Returns the number of e-mails queued."""
    today = today or timezone.localdate()
    stocks = (
        Stock.objects.filter(
            on_hand__gt=0,
            lot__expires_on__gte=today,
            lot__expires_on__lte=today + timedelta(EXPIRY_WARNING_DAYS),
        )
        .select_related("lot__product", "location__organization")
        .order_by("location_id", "lot__expires_on")
    )
    by_location: dict[int, list[Stock]] = {}
    for stock in stocks:
        by_location.setdefault(stock.location_id, []).append(stock)
    sent = 0
    for rows in by_location.values():
        with transaction.atomic():
            location = rows[0].location
            fresh = [
                stock
                for stock in rows
                if ExpiryWarning.objects.get_or_create(location=location, lot=stock.lot)[1]
            ]
            if not fresh:
                continue
            admins = User.objects.filter(
                is_active=True,
                memberships__organization=location.organization,
                memberships__role=Role.PROVIDER_ADMIN,
            ).distinct()
            for admin in admins:
                send_templated_email(
                    to=admin.email,
                    template="inventory/expiring_lots",
                    context={"name": admin.first_name, "location": location, "stocks": fresh},
                    language=getattr(admin, "language", None),
                )
                sent += 1
            audit(
                action="inventory.expiry_warning.sent",
                by=None,
                target=location,
                data={"lots": [stock.lot.number for stock in fresh], "recipients": len(admins)},
            )
    return sent
