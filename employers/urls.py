"""URLs of the employers app: the same roster pages in the employer and the provider portals,
and the invitation link's landing page in the recipient portal (/me/invitation/<token>/)."""

from django.urls import path

from cvms.roles import Portal
from employers.views import employer, provider
from employers.views import public as public_views


def roster_patterns(views) -> list:
    return [
        path("roster/", views.RosterView.as_view(), name="employers.roster"),
        path("roster/export.csv", views.RosterExportView.as_view(), name="employers.roster.export"),
        path("roster/template.csv", views.RosterTemplateView.as_view(), name="employers.roster.template"),
        path("roster/resend/", views.RosterResendView.as_view(), name="employers.roster.resend"),
        path("roster/uploads/", views.UploadsView.as_view(), name="employers.uploads"),
        path("roster/uploads/<int:upload_pk>/", views.UploadDetailView.as_view(), name="employers.upload"),
        path(
            "roster/uploads/<int:upload_pk>/progress/",
            views.UploadProgressView.as_view(),
            name="employers.upload.progress",
        ),
        path(
            "roster/uploads/<int:upload_pk>/errors.csv",
            views.UploadErrorsView.as_view(),
            name="employers.upload.errors",
        ),
        path(
            "roster/uploads/<int:upload_pk>/changes.csv",
            views.UploadChangesView.as_view(),
            name="employers.upload.changes",
        ),
        path(
            "roster/uploads/<int:upload_pk>/import/",
            views.UploadImportView.as_view(),
            name="employers.upload.import",
        ),
        path(
            "roster/uploads/<int:upload_pk>/discard/",
            views.UploadDiscardView.as_view(),
            name="employers.upload.discard",
        ),
        path(
            "roster/invitations/<int:invitation_pk>/revoke/",
            views.InvitationRevokeView.as_view(),
            name="employers.invitation.revoke",
        ),
    ]


portals: dict = {
    Portal.EMPLOYER: roster_patterns(employer),
    Portal.PROVIDER: roster_patterns(provider),
    Portal.RECIPIENT: [
        path(
            "invitation/<str:token>/",
            public_views.InvitationLandingView.as_view(),
            name="employers.invitation",
        ),
    ],
}
