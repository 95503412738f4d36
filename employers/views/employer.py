"""The roster pages in the employer portal (employer administrators)."""

from cvms.access import EmployerPortalView
from employers.views import shared


class RosterView(EmployerPortalView, shared.RosterView):
    pass


class RosterExportView(EmployerPortalView, shared.RosterExportView):
    pass


class RosterTemplateView(EmployerPortalView, shared.RosterTemplateView):
    pass


class RosterResendView(EmployerPortalView, shared.RosterResendView):
    pass


class UploadsView(EmployerPortalView, shared.UploadsView):
    pass


class UploadDetailView(EmployerPortalView, shared.UploadDetailView):
    pass


class UploadProgressView(EmployerPortalView, shared.UploadProgressView):
    pass


class UploadErrorsView(EmployerPortalView, shared.UploadErrorsView):
    pass


class UploadChangesView(EmployerPortalView, shared.UploadChangesView):
    pass


class UploadImportView(EmployerPortalView, shared.UploadImportView):
    pass


class UploadDiscardView(EmployerPortalView, shared.UploadDiscardView):
    pass


class InvitationRevokeView(EmployerPortalView, shared.InvitationRevokeView):
    pass
