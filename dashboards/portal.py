"""The dashboards in the state's and the providers' menus."""

from django.utils.translation import gettext_lazy as _

from cvms.roles import Portal

MENU = {
    Portal.STATE.value: [(_("Dashboards"), "state:dashboards.doses")],
    Portal.PROVIDER.value: [(_("My dashboard"), "provider:dashboards.own")],
}
