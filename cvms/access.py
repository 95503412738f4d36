"""The one access check every portal view goes through.

A view declares who may use it by subclassing one of the gates below (or setting `roles`);
`dispatch` resolves the person's roles and, in the provider and employer portals, the
organization they act for, and sets `request.portal`, `request.membership` and
`request.organization`. Views then scope their querysets to `request.organization` (or to the
signed-in person), so another organization's or person's object is a 404.

In the provider portal the gate also sets `request.locations`: the locations the person may work
at (every one of the organization's for its administrators, the assigned ones for a vaccinator,
none otherwise). Pages that show clinics, appointments, people, stock, shipments or printed forms
filter on it (`location__in=request.locations`), so a vaccinator sees only their own locations'
data, and a vaccinator assigned nowhere sees empty lists and gets 404 for objects.

The role × URL test (tests/cvms/test_access_matrix.py) fails a routed view without a gate, and
compares every view's answers with who may open it as written down in tests/access_expected.py.
"""

from typing import ClassVar
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property

from cvms.hooks import contributions
from cvms.models import Membership, User
from cvms.roles import (
    MFA_REQUIRED_ROLES,
    ORGANIZATION_APPROVED,
    ORGANIZATION_PORTALS,
    PORTAL_ROLES,
    Portal,
    Role,
)

SESSION_ORGANIZATION_KEY = "cvms.organization.{portal}"


def has_mfa(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request) -> bool:
    """Whether this session's sign-in included the second factor. The second factor is a
    property of the session, not of the account: a session opened with the password alone (by
    any path) doesn't count because the account has a TOTP device."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def second_factor_step(request, next_url: str):
    """Where to send a person whose role needs the second factor before going on: to set one
    up, or to give a code in this session; None when the session has passed it."""
    if not has_mfa(request.user):
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_url})}")
    if not session_passed_mfa(request):
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}")
    return None


def forbidden(request):
    """The 403 page, answered rather than raised: a signed-in person following a link to another
    portal is not an error worth a traceback in the log."""
    return render(request, "403.html", status=403)


def portal_memberships(user: User, portal: Portal, roles: frozenset[Role]):
    """The memberships through which `user` may act in an organization portal."""
    return (
        Membership.objects.filter(
            user=user,
            role__in=roles,
            organization__kind=ORGANIZATION_PORTALS[portal],
            organization__status=ORGANIZATION_APPROVED,
        )
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def portals_for(user: User) -> list[Portal]:
    """The portals `user` can enter, in the order of the `Portal` enum."""
    if not user.is_authenticated or not user.is_active:
        return []
    # Every organization portal's memberships in one query (it runs on every page: the menu).
    member_of = set(
        Membership.objects.filter(user=user, organization__status=ORGANIZATION_APPROVED)
        .values_list("organization__kind", "role")
        .distinct()
    )
    available = []
    for portal, roles in PORTAL_ROLES.items():
        if portal in ORGANIZATION_PORTALS:
            kind = ORGANIZATION_PORTALS[portal]
            if any((kind, role) in member_of for role in roles):
                available.append(portal)
        elif user.roles & roles:
            available.append(portal)
    return available


def provider_locations(request):
    """The locations `request.user` may work at for `request.organization`, asked of the app that
    owns locations (the `provider_locations` hook point: enrollment answers; the core imports no
    domain app). The first answer counts; no answer means no location: the scope fails closed."""
    for locations_for in contributions("provider_locations"):
        return locations_for(user=request.user, organization=request.organization)
    return ()


class Gate:
    """Base of every CVMS view's access declaration.

    `access` is one of "public" (anyone), "signed_in" (any signed-in person) or "portal"
    (the roles in `roles`, within `portal`).
    """

    access: ClassVar[str] = "portal"
    portal: ClassVar[Portal | None] = None
    roles: ClassVar[frozenset[Role] | None] = None  # None: every role of the portal
    # Set on views that answer a GET with a redirect (the access matrix expects it).
    redirects_on_get: ClassVar[bool] = False

    @classmethod
    def allowed_roles(cls) -> frozenset[Role]:
        if cls.access != "portal":
            return frozenset(Role)
        return cls.roles if cls.roles is not None else PORTAL_ROLES[cls.portal]

    def dispatch(self, request, *args, **kwargs):
        answer = self.check_access(request)
        if answer is not None:
            return answer
        return super().dispatch(request, *args, **kwargs)

    def check_access(self, request):
        """Return a response that refuses or redirects, or None to let the view run."""
        request.portal = self.portal
        request.membership = None
        request.organization = None
        if self.access == "public":
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.access == "signed_in":
            return None
        return self._check_portal(request, user)

    def _check_portal(self, request, user: User):
        roles = self.allowed_roles()
        if self.portal in ORGANIZATION_PORTALS:
            membership = self._current_membership(request, user, roles)
            if membership is None:
                return forbidden(request)
            request.membership = membership
            request.organization = membership.organization
            if self.portal == Portal.PROVIDER:
                # Lazy: a page that doesn't filter on it costs no query.
                request.locations = SimpleLazyObject(lambda: provider_locations(request))
        elif not user.roles & roles:
            return forbidden(request)
        if user.roles & MFA_REQUIRED_ROLES & roles:
            return second_factor_step(request, request.get_full_path())
        return None

    def _current_membership(self, request, user: User, roles: frozenset[Role]):
        """The membership chosen in this session, or the first one."""
        memberships = list(portal_memberships(user, self.portal, roles))
        if not memberships:
            return None
        chosen = request.session.get(SESSION_ORGANIZATION_KEY.format(portal=self.portal))
        return next((m for m in memberships if m.organization_id == chosen), memberships[0])

    @cached_property
    def organization(self):
        return self.request.organization


class PublicView(Gate):
    access = "public"


class SignedInView(Gate):
    access = "signed_in"


class StatePortalView(Gate):
    portal = Portal.STATE


class ProviderPortalView(Gate):
    portal = Portal.PROVIDER


class EmployerPortalView(Gate):
    portal = Portal.EMPLOYER


class RecipientPortalView(Gate):
    portal = Portal.RECIPIENT


class HelpdeskPortalView(Gate):
    portal = Portal.HELPDESK
