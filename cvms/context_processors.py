from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve, reverse
from django.utils import translation

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


def _menu_links(request, portal: str) -> tuple[tuple[str, str, str], ...]:
    """The portal's menu (label, URL name, URL) without the pages the person's role can't open
    (the gate would answer 403): each item's view declares its roles, so the menu asks the view."""
    # The menu depends only on the portal, the roles and the URLs, never on the data: worked out
    # once per process for each (portal, roles) rather than resolving every item's URL on every
    # page (a third of a light page's own time at state scale, issue 18).
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    language = translation.get_language()
    return _translated_menu(portal, acting_roles(request), urlconf, get_script_prefix(), language)


@lru_cache(maxsize=256)
def _translated_menu(
    portal: str, roles: frozenset[Role], urlconf: str, prefix: str, language: str | None
) -> tuple:
    """`_menu_links_for` with its labels translated into `language`: once per process, not
    twenty lazy strings through gettext on every page."""
    with translation.override(language):
        return tuple(
            (str(label), url_name, url)
            for label, url_name, url in _menu_links_for(portal, roles, urlconf, prefix)
        )


@lru_cache(maxsize=256)
def _menu_links_for(portal: str, roles: frozenset[Role], urlconf: str, prefix: str) -> tuple:
    items = []
    for label, url_name in portal_menu(portal):
        try:
            url = reverse(url_name, urlconf=urlconf)
            view_class = getattr(resolve(url, urlconf=urlconf).func, "view_class", None)
        except NoReverseMatch:
            continue
        allowed = view_class.allowed_roles() if hasattr(view_class, "allowed_roles") else None
        if allowed is None or view_class.access != "portal" or roles & allowed:
            items.append((label, url_name, url))
    return tuple(items)


def portal(request):
    """The current portal's menu and the portals the person can switch to."""
    current = getattr(request, "portal", None)
    user = getattr(request, "user", None)
    links = _menu_links(request, current) if current and user is not None else ()
    path = request.path
    return {
        "site_name": settings.SITE_NAME,
        "current_portal": current,
        "portal_menu": [(label, url_name) for label, url_name, _url in links],
        # (label, URL, whether it is this page): compared here once, not twice per item in
        # the layout.
        "portal_menu_links": [(label, url, url == path) for label, _url_name, url in links],
        "available_portals": (lambda: portals_for(user)) if user is not None else [],
    }
