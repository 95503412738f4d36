"""The helpdesk's menu and dashboard panels (see cvms.hooks)."""

from django.utils.translation import gettext_lazy as _

from cvms.hooks import Panel
from cvms.roles import Portal, Role
from helpdesk import selectors
from helpdesk.enums import OPEN_STATUSES

# Shared by everyone in the help portal; role-specific links are on the dashboard panels.
MENU = {
    Portal.HELPDESK.value: [
        (_("Knowledge base"), "help:kb"),
        (_("User guides"), "help:guides"),
        (_("Training"), "help:training"),
    ]
}


def dashboard_panels(request) -> list[Panel]:
    if request.portal is None:
        # The home page: where to find answers and how to reach the helpdesk.
        return [Panel(_("Help"), "helpdesk/panels/home.html")]
    if request.portal != Portal.HELPDESK:
        return []
    roles = request.user.roles
    panels = []
    if Role.HELPDESK_AGENT in roles:
        panels.append(
            Panel(
                _("Your queues"),
                "helpdesk/panels/agent.html",
                {"teams": list(selectors.agent_teams(request.user))},
            )
        )
    if Role.HELPDESK_REQUESTER in roles:
        open_count = selectors.requester_cases(request.user).filter(status__in=OPEN_STATUSES).count()
        panels.append(Panel(_("Your cases"), "helpdesk/panels/requester.html", {"open_count": open_count}))
    return panels
