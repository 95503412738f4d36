"""Administration in the portals' menus, and the recipient's appointments panel."""

from django.utils.translation import gettext_lazy as _

from administration.selectors import booking as booking_selectors
from cvms.hooks import Panel
from cvms.roles import Portal
from recipients.interface import recipient_for_user

MENU = {
    Portal.PROVIDER.value: [
        (_("Clinics"), "provider:administration.clinics"),
        (_("Dose records"), "provider:administration.records"),
    ],
    Portal.STATE.value: [(_("Registry exports"), "state:administration.exports")],
    Portal.RECIPIENT.value: [
        (_("Find a clinic"), "me:administration.clinics"),
        (_("My appointments"), "me:administration.appointments"),
        (_("My vaccination record"), "me:administration.record"),
    ],
}


def dashboard_panels(request) -> list[Panel]:
    if getattr(request, "portal", None) != Portal.RECIPIENT:
        return []
    recipient = recipient_for_user(request.user)
    if recipient is None:
        return []
    return [
        Panel(
            title=_("My appointments"),
            template="administration/panel_appointments.html",
            context={
                "appointments": list(booking_selectors.active_appointments(recipient)[:3]),
                "next_dose": booking_selectors.next_dose(recipient),
            },
        )
    ]
