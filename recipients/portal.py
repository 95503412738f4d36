"""The recipients app in the portals' menus, and the eligibility panel of the recipient's page."""

from django.utils.translation import gettext_lazy as _

from cvms.hooks import Panel
from cvms.roles import Portal
from recipients import selectors

MENU = {
    Portal.RECIPIENT.value: [(_("My details"), "me:recipients.profile")],
    Portal.STATE.value: [
        (_("Priority groups"), "state:recipients.groups"),
        (_("Recipients"), "state:recipients.list"),
        (_("Possible duplicates"), "state:recipients.duplicates"),
    ],
}


def dashboard_panels(request) -> list[Panel]:
    if getattr(request, "portal", "") is None:
        # The home page: how to get vaccinated, with self-registration when the state opened it.
        return [
            Panel(
                title=_("Get vaccinated"),
                template="recipients/panel_home.html",
                context={"self_registration_open": selectors.self_registration_open()},
            )
        ]
    if getattr(request, "portal", None) != Portal.RECIPIENT:
        return []
    recipient = selectors.recipient_for_user(request.user)
    if recipient is None:
        return [
            Panel(
                title=_("Register"),
                template="recipients/panel_register.html",
                context={"self_registration_open": selectors.self_registration_open()},
            )
        ]
    return [
        Panel(
            title=_("Eligibility"),
            template="recipients/panel_eligibility.html",
            context={"recipient": recipient, "eligibility": selectors.eligibility(recipient)},
        )
    ]
