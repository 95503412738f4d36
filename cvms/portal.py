"""What the core adds to the portals' menus (see cvms/hooks.py)."""

from django.utils.translation import gettext_lazy as _

from cvms.roles import Portal

MENU = {
    Portal.STATE.value: [(_("Audit log"), "state:audit")],
}
