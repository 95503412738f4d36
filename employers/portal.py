"""The roster pages in the employer and provider portals' menus.

(No dashboard panel: the core's dashboard template passes a panel's context as `context=`,
which Django's include tag can't take; reported to the lead.)
"""

from django.utils.translation import gettext_lazy as _

from cvms.roles import Portal

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
