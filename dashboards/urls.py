"""URLs of the dashboards, one list per portal (composed in cvms/urls.py)."""

from django.urls import path

from cvms.roles import Portal
from dashboards.views import provider, state

portals = {
    Portal.STATE: [
        path("dashboards/", state.DosesView.as_view(), name="dashboards.doses"),
        path("dashboards/coverage/", state.CoverageView.as_view(), name="dashboards.coverage"),
        path("dashboards/supply/", state.SupplyView.as_view(), name="dashboards.supply"),
        path("dashboards/pipeline/", state.PipelineView.as_view(), name="dashboards.pipeline"),
        path("dashboards/charts/<slug:chart>.csv", state.ChartCsvView.as_view(), name="dashboards.chart.csv"),
        path(
            "dashboards/adverse-events/",
            state.AdverseEventListView.as_view(),
            name="dashboards.adverse_events",
        ),
        path(
            "dashboards/adverse-events.csv",
            state.AdverseEventCsvView.as_view(),
            name="dashboards.adverse_events.csv",
        ),
        path("dashboards/reporting-lag/", state.ReportingLagView.as_view(), name="dashboards.lag"),
    ],
    Portal.PROVIDER: [
        path("dashboards/", provider.ProviderDashboardView.as_view(), name="dashboards.own"),
    ],
}
