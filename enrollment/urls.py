"""URLs of the enrollment app, one list per portal (composed in cvms/urls.py)."""

from django.urls import path

from cvms.roles import Portal
from enrollment.enums import OrganizationKind
from enrollment.views import public as public_views
from enrollment.views import state
from enrollment.views.applicant import applicant_views
from enrollment.views.people import people_views


def applicant_patterns(kind: str, portal: Portal) -> list:
    views = applicant_views(kind, portal)
    patterns = [
        path("enroll/", views["list"].as_view(), name="enrollment.list"),
        path("enroll/start/", views["start"].as_view(), name="enrollment.start"),
        path("enroll/<int:application_pk>/", views["application"].as_view(), name="enrollment.application"),
    ]
    for step in ("organization", "contact", "locations", "readiness", "submit"):
        if f"step.{step}" in views:
            patterns.append(
                path(
                    f"enroll/<int:application_pk>/{step}/",
                    views[f"step.{step}"].as_view(),
                    name=f"enrollment.step.{step}",
                )
            )
    return patterns


def people_patterns(portal: Portal) -> list:
    views = people_views(portal)
    return [
        path("people/", views["people"].as_view(), name="enrollment.people"),
        path("people/invite/", views["people.invite"].as_view(), name="enrollment.people.invite"),
        path(
            "people/<int:membership_pk>/", views["people.person"].as_view(), name="enrollment.people.person"
        ),
        path(
            "people/<int:membership_pk>/remove/",
            views["people.remove"].as_view(),
            name="enrollment.people.remove",
        ),
        path(
            "people/invitations/<int:invitation_pk>/cancel/",
            views["people.invitation.cancel"].as_view(),
            name="enrollment.people.invitation.cancel",
        ),
    ]


portals = {
    Portal.PROVIDER: applicant_patterns(OrganizationKind.PROVIDER, Portal.PROVIDER)
    + people_patterns(Portal.PROVIDER),
    Portal.EMPLOYER: applicant_patterns(OrganizationKind.EMPLOYER, Portal.EMPLOYER)
    + people_patterns(Portal.EMPLOYER),
    Portal.STATE: [
        path("enrollment/applications/", state.ReviewQueueView.as_view(), name="enrollment.review"),
        path(
            "enrollment/applications/<int:application_pk>/",
            state.ApplicationReviewView.as_view(),
            name="enrollment.review.detail",
        ),
        path(
            "enrollment/applications/<int:application_pk>/approve/",
            state.ApproveView.as_view(),
            name="enrollment.review.approve",
        ),
        path(
            "enrollment/applications/<int:application_pk>/deny/",
            state.DenyView.as_view(),
            name="enrollment.review.deny",
        ),
        path(
            "enrollment/applications/<int:application_pk>/request-info/",
            state.RequestInfoView.as_view(),
            name="enrollment.review.request_info",
        ),
        path(
            "enrollment/organizations/", state.OrganizationListView.as_view(), name="enrollment.organizations"
        ),
        path(
            "enrollment/organizations/<int:organization_pk>/",
            state.OrganizationDetailView.as_view(),
            name="enrollment.organization",
        ),
        path(
            "enrollment/organizations/<int:organization_pk>/suspend/",
            state.SuspendView.as_view(),
            name="enrollment.organization.suspend",
        ),
        path(
            "enrollment/organizations/<int:organization_pk>/reinstate/",
            state.ReinstateView.as_view(),
            name="enrollment.organization.reinstate",
        ),
    ],
}

public = [
    path("invitations/<str:token>/", public_views.InvitationView.as_view(), name="enrollment.invitation")
]
