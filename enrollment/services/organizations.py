"""An organization's standing: suspended and reinstated by the state."""

from django.db import transaction
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.locking import lock_one
from cvms.models import User
from enrollment.enums import OrganizationStatus
from enrollment.models import Organization
from enrollment.services.errors import EnrollmentError


@transaction.atomic
def organization_suspend(*, organization: Organization, by: User, request=None) -> Organization:
    """Close the portal to the organization's people at their next request; their records stay."""
    locked = lock_one(Organization.objects.all(), pk=organization.pk)
    if locked.status != OrganizationStatus.APPROVED:
        raise EnrollmentError(_("Only an approved organization can be suspended."))
    locked.status = OrganizationStatus.SUSPENDED
    locked.save(update_fields=["status"])
    audit(action="enrollment.organization.suspended", by=by, target=locked, request=request)
    return locked


@transaction.atomic
def organization_reinstate(*, organization: Organization, by: User, request=None) -> Organization:
    locked = lock_one(Organization.objects.all(), pk=organization.pk)
    if locked.status != OrganizationStatus.SUSPENDED:
        raise EnrollmentError(_("Only a suspended organization can be reinstated."))
    locked.status = OrganizationStatus.APPROVED
    locked.save(update_fields=["status"])
    audit(action="enrollment.organization.reinstated", by=by, target=locked, request=request)
    return locked
