"""The roster pages in the employer and provider portals' menus (the roster page links to the
uploads)."""

from django.utils.translation import gettext_lazy as _

from cvms.roles import Portal

MENU = {
    Portal.EMPLOYER.value: [(_("Roster"), "employer:employers.roster")],
    Portal.PROVIDER.value: [(_("Roster"), "provider:employers.roster")],
}
