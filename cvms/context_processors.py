from django.conf import settings

from cvms.access import portals_for
from cvms.hooks import portal_menu


def portal(request):
    """The current portal's menu and the portals the person can switch to."""
    current = getattr(request, "portal", None)
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "current_portal": current,
        "portal_menu": portal_menu(current) if current else [],
        "available_portals": (lambda: portals_for(user)) if user is not None else [],
    }
