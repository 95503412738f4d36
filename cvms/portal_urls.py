"""The core's pages in each portal: the dashboard, the organization switcher, the state's audit
log."""

from django.urls import path

from cvms import views
from cvms.roles import Portal

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
