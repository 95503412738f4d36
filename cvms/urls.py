"""The root URLs: each portal is composed from the URL lists the apps give for it."""

from django.contrib import admin
from django.urls import include, path

import administration.urls
import dashboards.urls
import employers.urls
import enrollment.urls
import helpdesk.urls
import inventory.urls
import recipients.urls
from cvms import portal_urls
from cvms.roles import Portal
from cvms.views import FaviconView, HomeView

APP_URLS = [
    portal_urls,
    enrollment.urls,
    inventory.urls,
    employers.urls,
    recipients.urls,
    administration.urls,
    helpdesk.urls,
    dashboards.urls,
]


def portal_patterns(portal: Portal) -> list:
    return [pattern for module in APP_URLS for pattern in module.portals.get(portal, [])]


def public_patterns() -> list:
    return [pattern for module in APP_URLS for pattern in getattr(module, "public", [])]


urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    *public_patterns(),
    *[path(f"{portal.value}/", include((portal_patterns(portal), portal.value))) for portal in Portal],
]

# The 500 page is rendered without the request (cvms.views.server_error); 403, 404 and 429 are
# the templates of the same names, in the site's layout.
handler500 = "cvms.views.server_error"
