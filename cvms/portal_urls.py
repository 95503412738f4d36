"""The core's pages in each portal: the dashboard, the organization switcher, the state's audit
log; and, outside the portals, the health check."""

from django.urls import path

from cvms import views
from cvms.health import HealthView
from cvms.roles import Portal

# No trailing slash, and exempt from the HTTPS redirect (settings' health block): probes ask
# for exactly http://…/healthz.
public = [path("healthz", HealthView.as_view(), name="healthz")]

portals = {
    Portal.STATE: [
        path("", views.StateDashboardView.as_view(), name="dashboard"),
        path("audit/", views.AuditLogView.as_view(), name="audit"),
        path("audit/export/", views.AuditExportView.as_view(), name="audit.export"),
    ],
    Portal.PROVIDER: [
        path("", views.ProviderDashboardView.as_view(), name="dashboard"),
        path(
            "organizations/<int:organization_pk>/switch/",
            views.ProviderSwitchOrganizationView.as_view(),
            name="organization.switch",
        ),
    ],
    Portal.EMPLOYER: [
        path("", views.EmployerDashboardView.as_view(), name="dashboard"),
        path(
            "organizations/<int:organization_pk>/switch/",
            views.EmployerSwitchOrganizationView.as_view(),
            name="organization.switch",
        ),
    ],
    Portal.RECIPIENT: [path("", views.RecipientDashboardView.as_view(), name="dashboard")],
    Portal.HELPDESK: [path("", views.HelpdeskDashboardView.as_view(), name="dashboard")],
}
