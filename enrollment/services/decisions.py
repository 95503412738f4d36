"""The state's decisions on an application: approved (the organization made), denied, or more
information asked for; the applicant is e-mailed each."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.locking import lock_one
from cvms.models import User
from cvms.roles import organization_portal
from cvms.services import membership_grant
from cvms.sites import absolute_url
from enrollment.enums import ApplicationStatus, OrganizationKind, OrganizationStatus
from enrollment.models import ApplicationEvent, EnrollmentApplication, Location, Organization
from enrollment.selectors import ADMIN_ROLE
from enrollment.services.applications import touch
from enrollment.services.errors import EnrollmentError
from enrollment.services.pins import pin_issue


def _locked_for_decision(application: EnrollmentApplication, version: int) -> EnrollmentApplication:
    # The row lock makes two reviewers deciding at once take turns; the second then finds the
    # application decided (or changed, by its version) and is refused.
    locked = lock_one(EnrollmentApplication.objects.all(), pk=application.pk)
    if not locked.is_reviewable:
        raise EnrollmentError(
            _("This application has already been decided (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    if locked.version != version:
        raise EnrollmentError(_("This application changed while you were reading it. Review it again."))
    return locked


def _decide(locked: EnrollmentApplication, *, status: str, notes: str, by: User) -> None:
    now = timezone.now()
    locked.status = status
    locked.decision_notes = notes
    locked.decided_at = now
    locked.decided_by = by
    touch(locked)
    ApplicationEvent.objects.create(application=locked, action=status, by=by, at=now, notes=notes)


@transaction.atomic
def application_approve(
    *, application: EnrollmentApplication, version: int, by: User, request=None
) -> EnrollmentApplication:
    """Create the organization (and for a provider its PIN and active locations) and make the
    applicant its administrator."""
    locked = _locked_for_decision(application, version)
    if locked.tax_id and Organization.objects.filter(tax_id=locked.tax_id).exists():
        raise EnrollmentError(_("An organization with this EIN or tax id is already enrolled."))
    organization = Organization.objects.create(
        name=locked.legal_name, kind=locked.kind, status=OrganizationStatus.APPROVED, tax_id=locked.tax_id
    )
    if locked.kind == OrganizationKind.PROVIDER:
        organization.pin = pin_issue(organization=organization, vfc_pin=locked.vfc_pin)
        organization.save(update_fields=["pin"])
        Location.objects.bulk_create(
            [
                Location(
                    organization=organization,
                    is_active=True,
                    **{
                        field: getattr(place, field)
                        for field in (
                            "name",
                            "address",
                            "city",
                            "zip_code",
                            "county_id",
                            "site_type",
                            "iis_facility_id",
                            "hours",
                            "weekly_throughput",
                            "ultra_cold_capacity",
                            "frozen_capacity",
                            "refrigerated_capacity",
                        )
                    },
                )
                for place in locked.locations.all()
            ]
        )
    locked.organization = organization
    _decide(locked, status=ApplicationStatus.APPROVED, notes="", by=by)
    membership_grant(user=locked.applicant, organization=organization, role=ADMIN_ROLE[locked.kind], by=by)
    audit(
        action="enrollment.application.approved",
        by=by,
        target=locked,
        request=request,
        data={"organization": organization.pk, "pin": organization.pin},
    )
    _notify_decision(locked)
    return locked


@transaction.atomic
def application_deny(
    *, application: EnrollmentApplication, version: int, reason: str, by: User, request=None
) -> EnrollmentApplication:
    if not reason.strip():
        raise EnrollmentError(_("Give the reason for the denial: the applicant will read it."))
    locked = _locked_for_decision(application, version)
    _decide(locked, status=ApplicationStatus.DENIED, notes=reason.strip(), by=by)
    audit(
        action="enrollment.application.denied", by=by, target=locked, request=request, data={"reason": reason}
    )
    _notify_decision(locked)
    return locked


@transaction.atomic
def application_request_info(
    *, application: EnrollmentApplication, version: int, notes: str, by: User, request=None
) -> EnrollmentApplication:
    if not notes.strip():
        raise EnrollmentError(_("Say what more you need: the applicant will read it."))
    locked = _locked_for_decision(application, version)
    _decide(locked, status=ApplicationStatus.INFO_REQUESTED, notes=notes.strip(), by=by)
    audit(
        action="enrollment.application.info_requested",
        by=by,
        target=locked,
        request=request,
        data={"notes": notes},
    )
    _notify_decision(locked)
    return locked


def _notify_decision(application: EnrollmentApplication) -> None:
    applicant = application.applicant
    name = application.legal_name
    with translation.override(applicant.language):
        if application.status == ApplicationStatus.APPROVED:
            portal = organization_portal(application.kind).value
            subject = _("Your enrollment of %(name)s is approved") % {"name": name}
            paragraphs = [_("The state approved the enrollment of %(name)s.") % {"name": name}]
            if application.organization.pin:
                paragraphs.append(
                    _("Your provider PIN is %(pin)s. Use it with the helpdesk and in state reporting.")
                    % {"pin": application.organization.pin}
                )
            paragraphs.append(_("You are its administrator: sign in to invite your colleagues."))
            action_url, action_label = (
                absolute_url(reverse(f"{portal}:dashboard")),
                _("Open the portal"),
            )
        else:
            portal = organization_portal(application.kind).value
            action_url = absolute_url(
                reverse(f"{portal}:enrollment.application", kwargs={"application_pk": application.pk})
            )
            if application.status == ApplicationStatus.DENIED:
                subject = _("Your enrollment of %(name)s was denied") % {"name": name}
                paragraphs = [
                    _("The state denied the enrollment of %(name)s, for this reason:") % {"name": name},
                    application.decision_notes,
                ]
                action_label = _("See the application")
            else:
                subject = _("The state needs more information about %(name)s") % {"name": name}
                paragraphs = [
                    _("The state reviewed the enrollment of %(name)s and asks:") % {"name": name},
                    application.decision_notes,
                    _("Edit your application and submit it again."),
                ]
                action_label = _("Edit the application")
        context = {
            "subject": subject,
            "name": applicant.get_short_name(),
            "paragraphs": paragraphs,
            "action_url": action_url,
            "action_label": action_label,
        }
    send_templated_email(to=applicant.email, template="notice", context=context, language=applicant.language)
