"""The applicant's side of an application: started, saved step by step, submitted."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_one
from cvms.models import User
from enrollment.enums import ApplicationStatus, DecisionAction
from enrollment.models import ApplicationEvent, ApplicationLocation, EnrollmentApplication
from enrollment.selectors import application_answers, application_problems
from enrollment.services.errors import EnrollmentError
from enrollment.validators import signature_error


@dataclass
class ApplicationIncomplete(EnrollmentError):
    """The application can't be submitted: `problems` lists (field label, message)."""

    problems: list[tuple[str, str]]

    def __str__(self) -> str:
        return "; ".join(f"{label}: {message}" for label, message in self.problems)


@transaction.atomic
def application_start(*, kind: str, by: User, request=None) -> EnrollmentApplication:
    application = EnrollmentApplication.objects.create(
        # The contact is the applicant until they say otherwise: their name (never their
        # e-mail address in its place: a person with no name on record types the contact's).
        applicant=by,
        kind=kind,
        contact_name=by.real_name,
        contact_email=by.email,
    )
    audit(
        action="enrollment.application.started",
        by=by,
        target=application,
        request=request,
        data={"kind": kind},
    )
    return application


def _locked_editable(application: EnrollmentApplication, by: User) -> EnrollmentApplication:
    locked = lock_one(EnrollmentApplication.objects.all(), pk=application.pk)
    if locked.applicant_id != by.pk:
        raise EnrollmentError(_("Only the applicant can change this application."))
    if not locked.is_editable:
        raise EnrollmentError(_("This application is with the state for review and can't be changed now."))
    return locked


def touch(application: EnrollmentApplication) -> None:
    """Save a change: the version moves on, so a reviewer who read the earlier one is refused
    (the decisions call it too)."""
    application.version = F("version") + 1
    application.updated_at = timezone.now()
    application.save()
    application.refresh_from_db()


@transaction.atomic
def application_update(*, application: EnrollmentApplication, data: dict, by: User) -> EnrollmentApplication:
    """Save the answers of one step (`data`: field name → value) as the draft."""
    locked = _locked_editable(application, by)
    for name, value in data.items():
        setattr(locked, name, value)
    touch(locked)
    return locked


@transaction.atomic
def application_locations_replace(
    *, application: EnrollmentApplication, locations: list[dict], by: User
) -> EnrollmentApplication:
    """Replace the application's locations by `locations` (each a dict of field values)."""
    locked = _locked_editable(application, by)
    locked.locations.all().delete()
    ApplicationLocation.objects.bulk_create(
        [ApplicationLocation(application=locked, **row) for row in locations]
    )
    touch(locked)
    return locked


@transaction.atomic
def application_submit(
    *, application: EnrollmentApplication, attested_name: str, by: User, response: str = "", request=None
) -> EnrollmentApplication:
    """Check every answer and send the application to the state; on any problem nothing
    changes (the draft stays as it was) and `ApplicationIncomplete` lists them.

    The signature must be the signer's own name. An application the state sent back for more
    information comes back with the applicant's `response` to it, kept with the submission
    (its event's notes), and every submission keeps a copy of the answers, so that the reviewer
    sees what changed since the one before."""
    locked = _locked_editable(application, by)
    locked.attested_name = " ".join(attested_name.split())
    resubmission = locked.status == ApplicationStatus.INFO_REQUESTED
    problems = application_problems(locked)
    if locked.attested_name:
        signature = signature_error(locked.attested_name, signer_name=by.real_name)
        if signature:
            problems.append((_("Agreement"), signature))
    response = response.strip()
    if resubmission and not response:
        problems.append(
            (_("Your answer to the state"), _("Answer what the state asked before you submit again."))
        )
    if problems:
        raise ApplicationIncomplete(problems)
    now = timezone.now()
    locked.status = ApplicationStatus.SUBMITTED
    locked.attested_at = now
    # A resubmission keeps its place in the queue.
    locked.submitted_at = locked.submitted_at or now
    touch(locked)
    ApplicationEvent.objects.create(
        application=locked,
        action=DecisionAction.SUBMITTED,
        by=by,
        at=now,
        notes=response if resubmission else "",
        answers=application_answers(locked),
    )
    audit(
        action="enrollment.application.resubmitted" if resubmission else "enrollment.application.submitted",
        by=by,
        target=locked,
        request=request,
    )
    return locked
