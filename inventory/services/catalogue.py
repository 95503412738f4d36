"""The catalogue's changes: products added, lots registered (the catalogue's CSV file is read by
`inventory.catalogue`)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.models import User
from inventory.models import Lot, Product
from inventory.services.errors import InventoryError


class LotConflict(InventoryError):
    pass


@transaction.atomic
def product_create(*, by: User, request=None, **fields) -> Product:
    """Add a product to the catalogue (a state official)."""
    if Product.objects.filter(ndc=fields.get("ndc", "")).exists():
        raise InventoryError(_("A product with NDC %(ndc)s already exists.") % {"ndc": fields["ndc"]})
    product = Product.objects.create(**fields)
    audit(
        action="inventory.product.created", by=by, target=product, request=request, data={"ndc": product.ndc}
    )
    return product


@transaction.atomic
def lot_register(*, product: Product, number: str, expires_on: date, by: User | None, request=None) -> Lot:
    """The lot with this number, created the first time it is seen.

    A lot number belongs to one product with one expiry date: the same number given for another
    product, or with another date, is refused (a typo on a receipt must not merge two lots).
    """
    number = number.strip().upper()
    if not number:
        raise LotConflict(_("Enter the lot number printed on the carton."))
    lot = Lot.objects.select_related("product").filter(number__iexact=number).first()
    if lot is None:
        try:
            with transaction.atomic():
                lot = Lot.objects.create(product=product, number=number, expires_on=expires_on)
        except IntegrityError:
            # Someone registered it at the same moment; check theirs like any known lot.
            lot = Lot.objects.select_related("product").get(number__iexact=number)
        else:
            audit(
                action="inventory.lot.registered",
                by=by,
                target=lot,
                request=request,
                data={"product": product.ndc, "number": number, "expires_on": expires_on.isoformat()},
            )
            return lot
    if lot.product_id != product.pk:
        raise LotConflict(
            _("Lot %(lot)s is already known as a lot of %(product)s, not of %(other)s.")
            % {"lot": lot.number, "product": lot.product.name, "other": product.name}
        )
    if lot.expires_on != expires_on:
        raise LotConflict(
            _("Lot %(lot)s is known with the expiry date %(date)s; check the carton.")
            % {"lot": lot.number, "date": lot.expires_on.isoformat()}
        )
    return lot
