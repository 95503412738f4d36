"""What enrollment adds to the portals' menus and dashboards (see cvms/hooks.py)."""

from django.utils.translation import gettext_lazy as _

from cvms.hooks import Panel
from cvms.roles import Portal
from enrollment.selectors import waiting_for_review_count

MENU = {
    Portal.STATE.value: [
        (_("Enrollment applications"), "state:enrollment.review"),
        (_("Organizations"), "state:enrollment.organizations"),
    ],
    Portal.PROVIDER.value: [(_("People"), "provider:enrollment.people")],
    Portal.EMPLOYER.value: [(_("People"), "employer:enrollment.people")],
    # Shown on the home page to a signed-in person who has no portal yet.
    "home": [
        (_("Enroll a vaccine provider"), "provider:enrollment.list"),
        (_("Enroll an employer or residential organization"), "employer:enrollment.list"),
    ],
}


def dashboard_panels(request) -> list[Panel]:
    portal = getattr(request, "portal", None)
    if portal == Portal.STATE:
        return [
            Panel(
                title=_("Enrollment"),
                template="enrollment/panels/waiting.html",
                context={"count": waiting_for_review_count()},
            )
        ]
    if portal == Portal.PROVIDER and request.organization is not None:
        return [
            Panel(
                title=_("Your locations"),
                template="enrollment/panels/locations.html",
                context={"locations": list(request.locations)},
            )
        ]
    return []
