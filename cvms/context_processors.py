from django.conf import settings
from django.urls import NoReverseMatch, resolve, reverse

from cvms.access import portals_for
from cvms.hooks import portal_menu
from cvms.roles import Role


def acting_roles(request) -> frozenset[Role]:
    """The roles the person acts in on this request: their role in the organization they act
    for (provider and employer portals), else their roles."""
    membership = getattr(request, "membership", None)
    if membership is not None:
        return frozenset({Role(membership.role)})
    return request.user.roles if request.user.is_authenticated else frozenset()


def menu_for(request, portal: str) -> list[tuple[str, str]]:
    """The portal's menu without the pages the person's role can't open (the gate would answer
    403): each item's view declares its roles, so the menu asks the view."""
    roles = acting_roles(request)
    items = []
    for label, url_name in portal_menu(portal):
        try:
            view_class = getattr(resolve(reverse(url_name)).func, "view_class", None)
        except NoReverseMatch:
            continue
        allowed = view_class.allowed_roles() if hasattr(view_class, "allowed_roles") else None
        if allowed is None or view_class.access != "portal" or roles & allowed:
            items.append((label, url_name))
    return items


def portal(request):
    """The current portal's menu and the portals the person can switch to."""
    current = getattr(request, "portal", None)
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "current_portal": current,
        "portal_menu": menu_for(request, current) if current and user is not None else [],
        "available_portals": (lambda: portals_for(user)) if user is not None else [],
    }
