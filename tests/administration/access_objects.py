"""Objects that administration's URLs point at (see tests/access_matrix.py)."""

from django.core.files.base import ContentFile
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cvms.roles import Portal, Role
from recipients.models import Recipient
from tests.access_matrix import Owned
from tests.administration.factories import clinic
from tests.factories import LocationFactory
from tests.inventory.factories import stock
from tests.recipients.factories import RecipientFactory

RECIPIENTS = frozenset({(Role.RECIPIENT, "home"), (Role.RECIPIENT, "other")})


def _registered(user) -> Recipient:
    """The persona's own record (both sides have one, so the other side gets a 404, not the
    "register first" page)."""
    return Recipient.objects.filter(user=user).first() or RecipientFactory(user=user, group="2")


def _home_location(personas):
    """A location of the home provider where the home vaccinator is assigned (vaccinators record
    only at their locations: `enrollment.selectors.locations_for`)."""
    if not hasattr(personas, "_location"):
        personas._location = LocationFactory(organization=personas.organizations["home_provider"])
        assign_perm("enrollment.work_at_location", personas.home[Role.VACCINATOR], personas._location)
    return personas._location


def _home_clinic(personas):
    if not hasattr(personas, "_clinic"):
        personas._clinic = clinic(location=_home_location(personas))
    return personas._clinic


def build_clinic(personas, portal):
    if portal == Portal.RECIPIENT:
        # Clinics are public information: every recipient may look at one.
        for side in ("home", "other"):
            _registered(getattr(personas, side)[Role.RECIPIENT])
        return Owned(_home_clinic(personas).pk, RECIPIENTS)
    return _home_clinic(personas).pk


def build_appointment(personas, portal):
    from administration.services import booking as services
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


def build_record(personas, portal):
    """A dose recorded at a home location (for the state: one the registry may have refused)."""
    from administration.services import recording

    location = _home_location(personas)
    location, lot = stock(location=location)
    record = recording.dose_record(
        recipient=RecipientFactory(user=None, email="walk-in@example.org"),
        location=location,
        details=recording.DoseDetails(
            product=lot.product,
            lot=lot,
            dose_number=1,
            administered_at=timezone.now(),
            route="C28161",
            site="LD",
        ),
        by=personas.home[Role.VACCINATOR],
    )
    if portal == Portal.STATE:
        # The state sees every record sent to its registry: any state official may act on it.
        return Owned(record.pk, frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")}))
    return record.pk


def build_export(personas, portal):
    """A finished file: a registry export for the state (any state official's), printed forms
    for the home provider."""
    from administration.enums import ExportKind, ExportStatus
    from administration.models import ExportJob

    if portal == Portal.STATE:
        job = ExportJob.objects.create(kind=ExportKind.CVRS, status=ExportStatus.DONE, file_name="x.txt")
        job.file.save("x.txt", ContentFile(b"vax_event_id\n"))
        return Owned(job.pk, frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")}))
    job = ExportJob.objects.create(
        kind=ExportKind.FORMS_BLANK,
        status=ExportStatus.DONE,
        organization=personas.organizations["home_provider"],
        location=_home_location(personas),
        file_name="forms.pdf",
    )
    job.file.save("forms.pdf", ContentFile(b"%PDF-1.7"))
    return job.pk


BUILDERS = {
    "clinic_pk": build_clinic,
    "appointment_pk": build_appointment,
    "record_pk": build_record,
    "export_pk": build_export,
}
