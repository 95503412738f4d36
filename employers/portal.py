"""The roster pages in the employer and provider portals' menus and dashboards."""

from django.utils.translation import gettext_lazy as _

from cvms.hooks import Panel
from cvms.roles import Portal, Role
from employers.selectors import roster_counts

MENU = {
    Portal.EMPLOYER.value: [
        (_("Roster"), "employer:employers.roster"),
        (_("Upload a roster"), "employer:employers.uploads"),
    ],
    Portal.PROVIDER.value: [
        (_("Roster"), "provider:employers.roster"),
        (_("Upload a roster"), "provider:employers.uploads"),
    ],
}


def dashboard_panels(request) -> list[Panel]:
    portal = getattr(request, "portal", None)
    if portal not in (Portal.EMPLOYER, Portal.PROVIDER) or request.organization is None:
        return []
    if portal == Portal.PROVIDER and request.membership.role != Role.PROVIDER_ADMIN:
        return []
    counts = roster_counts(organization=request.organization)
    return [
        Panel(
            title=_("Roster"), template="employers/panel.html", context={"counts": counts, "ns": f"{portal}:"}
        )
    ]
