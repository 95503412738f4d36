"""Objects that administration's URLs point at (see tests/access_matrix.py)."""

from cvms.roles import Portal, Role
from recipients.models import Recipient
from tests.access_matrix import Owned
from tests.administration.factories import clinic
from tests.factories import LocationFactory
from tests.recipients.factories import RecipientFactory

RECIPIENTS = frozenset({(Role.RECIPIENT, "home"), (Role.RECIPIENT, "other")})


def _registered(user) -> Recipient:
    """The persona's own record (both sides have one, so the other side gets a 404, not the
    "register first" page)."""
    return Recipient.objects.filter(user=user).first() or RecipientFactory(user=user, group="2")


def _home_clinic(personas):
    if not hasattr(personas, "_clinic"):
        location = LocationFactory(organization=personas.organizations["home_provider"])
        personas._clinic = clinic(location=location)
    return personas._clinic


def build_clinic(personas, portal):
    if portal == Portal.RECIPIENT:
        # Clinics are public information: every recipient may look at one.
        for side in ("home", "other"):
            _registered(getattr(personas, side)[Role.RECIPIENT])
        return Owned(_home_clinic(personas).pk, RECIPIENTS)
    return _home_clinic(personas).pk


def build_appointment(personas, portal):
    from administration import services
    from enrollment.models import PriorityGroup

    PriorityGroup.objects.filter(code="2").update(is_open=True)
    owner = personas.home[Role.RECIPIENT]
    _registered(personas.other[Role.RECIPIENT])
    recipient = _registered(owner)
    slot = _home_clinic(personas).slots.first()
    appointment = services.appointment_book(recipient=recipient, slot_id=slot.pk, dose_number=1, by=owner)
    if portal == Portal.RECIPIENT:
        return Owned(appointment.pk, frozenset({(Role.RECIPIENT, "home")}))
    return appointment.pk


BUILDERS = {"clinic_pk": build_clinic, "appointment_pk": build_appointment}
