"""Providers' PINs: NCA and the VFC PIN, or the next number never issued before."""

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from enrollment.models import IssuedPin, Organization
from enrollment.selectors import pin_taken
from enrollment.services.errors import EnrollmentError

# New PINs are drawn from here up when the database has no sequence (SQLite, the quick start).
FIRST_NEW_PIN = 651000


def _next_pin_number(after: int = 0) -> int:
    """The next number to try, past `after` (the last one found taken)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('enrollment_pin_seq')")
            return cursor.fetchone()[0]
    # SQLite serializes writers, so the largest issued number plus one is safe there; past a
    # taken one, since nothing was issued that would move the largest on.
    top = IssuedPin.objects.filter(from_vfc=False).aggregate(top=Max("number"))["top"]
    return max(top or 0, FIRST_NEW_PIN - 1, after) + 1


def pin_issue(*, organization: Organization, vfc_pin: str = "") -> str:
    """Issue the provider's PIN: NCA and its VFC PIN when it has one, otherwise the next number
    never issued before. Each issued number is a row of `IssuedPin` (its primary key), so two
    approvals can't issue one number twice."""
    if vfc_pin:
        if pin_taken(vfc_pin):
            raise EnrollmentError(
                _("The VFC PIN %(pin)s is already the PIN of another provider.") % {"pin": vfc_pin}
            )
        try:
            with transaction.atomic():
                IssuedPin.objects.create(number=int(vfc_pin), organization=organization, from_vfc=True)
        except IntegrityError:
            raise EnrollmentError(
                _("The VFC PIN %(pin)s is already the PIN of another provider.") % {"pin": vfc_pin}
            ) from None
        return f"NCA{vfc_pin}"
    number = _next_pin_number()
    while True:
        if not pin_taken(f"{number:06d}"):  # else a VFC PIN or an organization enrolled before CVMS
            try:
                with transaction.atomic():
                    IssuedPin.objects.create(number=number, organization=organization)
                return f"NCA{number:06d}"
            except IntegrityError:
                pass
        number = _next_pin_number(after=number)
