import json
import sys

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, RedirectView, TemplateView, View

from cvms.access import (
    SESSION_ORGANIZATION_KEY,
    EmployerPortalView,
    HelpdeskPortalView,
    ProviderPortalView,
    PublicView,
    RecipientPortalView,
    StatePortalView,
    portal_memberships,
    portals_for,
)
from cvms.audit import audit
from cvms.dbbackend.base import is_connection_lost
from cvms.dbrouter import ReplicaReadsMixin
from cvms.forms import AuditFilterForm
from cvms.hooks import dashboard_panels, portal_menu
from cvms.middleware import database_unavailable
from cvms.models import AuditEvent
from cvms.pagination import BoundedPaginator
from cvms.rows import esc, local_date, or_dash, rows_html
from cvms.selectors import audit_events
from cvms.spreadsheets import csv_download


class HomeView(PublicView, TemplateView):
    """The landing page: signed-in people see the portals they may enter."""

    template_name = "cvms/home.html"

    def get(self, request, *args, **kwargs):
        portals = portals_for(request.user)
        if len(portals) == 1:
            # One role, one portal: land there. People with several roles choose.
            return redirect(f"{portals[0].value}:dashboard")
        # Apps may offer people who have no portal yet a way in (MENU["home"], e.g. enrolling),
        # and everyone boxes of their own (dashboard panels asked with no portal: how to get
        # vaccinated, where to find help).
        start_links = portal_menu("home") if request.user.is_authenticated and not portals else []
        context = self.get_context_data(
            portals=portals, start_links=start_links, panels=dashboard_panels(request), **kwargs
        )
        return self.render_to_response(context)


class DashboardView(TemplateView):
    template_name = "cvms/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = dashboard_panels(self.request)
        context["memberships"] = (
            portal_memberships(self.request.user, self.portal, self.allowed_roles())
            if self.request.organization
            else []
        )
        return context


class StateDashboardView(StatePortalView, ReplicaReadsMixin, DashboardView):
    """The state's figures, read from the replica when there is one (cvms/dbrouter.py)."""


class ProviderDashboardView(ProviderPortalView, DashboardView):
    pass


class EmployerDashboardView(EmployerPortalView, DashboardView):
    pass


class RecipientDashboardView(RecipientPortalView, DashboardView):
    pass


class HelpdeskDashboardView(HelpdeskPortalView, DashboardView):
    pass


class SwitchOrganizationView(View):
    """Choose which of one's organizations to act for in this portal (POST only)."""

    http_method_names = ["post"]

    def post(self, request, organization_pk: int):
        memberships = portal_memberships(request.user, self.portal, self.allowed_roles())
        membership = get_object_or_404(memberships, organization_id=organization_pk)
        request.session[SESSION_ORGANIZATION_KEY.format(portal=self.portal)] = membership.organization_id
        messages.success(
            request, _("You are now acting for %(name)s.") % {"name": membership.organization.name}
        )
        return redirect(f"{self.portal}:dashboard")


class ProviderSwitchOrganizationView(ProviderPortalView, SwitchOrganizationView):
    pass


class EmployerSwitchOrganizationView(EmployerPortalView, SwitchOrganizationView):
    pass


class AuditLogView(StatePortalView, ListView):
    """State officials search the audit trail. Reading it is itself audited."""

    template_name = "cvms/audit_log.html"
    context_object_name = "events"
    paginate_by = 50
    paginator_class = BoundedPaginator

    def get(self, request, *args, **kwargs):
        # Always bound: every filter is optional, so no filter at all is a valid search.
        self.filters = AuditFilterForm(request.GET)
        if self.filters.is_valid():
            audit(
                action="audit.searched",
                by=request.user,
                request=request,
                data={"filters": self.filters.filters_for_audit(), "page": request.GET.get("page", "1")},
            )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not self.filters.is_valid():
            # A filter that can't be read shows its error and no rows, rather than every row.
            return AuditEvent.objects.none()
        return audit_events(**self.filters.filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        context["query"] = self.request.GET.urlencode()
        context["event_rows"] = rows_html(context["events"], _event_row)
        return context


def _event_row(event: AuditEvent) -> str:
    """A row of the audit log (cvms/rows.py: written in Python, issue 18)."""
    target = f"{esc(event.target_type)} {esc(event.target_id)}" if event.target_type else "—"
    return (
        "<tr>\n"
        f"      <td>{event.pk}</td>\n"
        f'      <td><time datetime="{local_date(event.at, "c")}">'
        f"{local_date(event.at, 'Y-m-d H:i:s')}</time></td>\n"
        f"      <td><code>{esc(event.action)}</code></td>\n"
        f"      <td>{or_dash(event.actor_email)}</td>\n"
        f"      <td>{target}</td>\n"
        f"      <td>{or_dash(event.ip_address)}</td>\n"
        f'      <td class="small">{esc(event.details)}</td>\n'
        "    </tr>\n"
    )


class AuditExportView(StatePortalView, View):
    """The filtered audit trail as CSV, streamed (any number of rows in bounded memory)."""

    HEADER = ["id", "at", "action", "actor e-mail", "target type", "target id", "IP address", "data"]

    def get(self, request):
        filters = AuditFilterForm(request.GET)
        if not filters.is_valid():
            return redirect(f"{reverse('state:audit')}?{request.GET.urlencode()}")
        audit(
            action="audit.exported",
            by=request.user,
            request=request,
            data={"filters": filters.filters_for_audit()},
        )
        rows = audit_events(**filters.filters()).values_list(
            "id", "at", "action", "actor_email", "target_type", "target_id", "ip_address", "data"
        )
        return csv_download(f"audit-log-{timezone.localdate():%Y%m%d}.csv", self.HEADER, _csv_rows(rows))


def _csv_rows(rows):
    for pk, at, action, actor_email, target_type, target_id, ip_address, data in rows.iterator(
        chunk_size=2000
    ):
        yield [
            pk,
            timezone.localtime(at).isoformat(timespec="seconds"),
            action,
            actor_email,
            target_type,
            target_id,
            ip_address or "",
            json.dumps(data, sort_keys=True, ensure_ascii=False),
        ]


class FaviconView(PublicView, RedirectView):
    """Browsers ask for /favicon.ico by themselves (on a PDF or a JSON answer, say); pages name
    the icon in their <head>."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("cvms/favicon.ico")


def server_error(request):
    """The 500 page in the site's layout, rendered without the request's context processors:
    whatever failed (the database, a context processor) must not fail the error page too. A
    database gone away (restarting, stopped) is "please try again" (503) instead."""
    if is_connection_lost(sys.exc_info()[1]):  # Django calls this while handling the error
        return database_unavailable()
    return HttpResponseServerError(loader.render_to_string("500.html", {"site_name": settings.SITE_NAME}))
