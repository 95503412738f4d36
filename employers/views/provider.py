"""The roster pages in the provider portal: provider administrators upload their employees
or patients (vaccinators may not)."""

from cvms.access import ProviderPortalView
from cvms.roles import PROVIDER_ADMINS
from employers.views import shared


class ProviderAdminView(ProviderPortalView):
    roles = PROVIDER_ADMINS


class RosterView(ProviderAdminView, shared.RosterView):
    pass


class RosterExportView(ProviderAdminView, shared.RosterExportView):
    pass


class RosterTemplateView(ProviderAdminView, shared.RosterTemplateView):
    pass


class RosterResendView(ProviderAdminView, shared.RosterResendView):
    pass


class UploadsView(ProviderAdminView, shared.UploadsView):
    pass


class UploadDetailView(ProviderAdminView, shared.UploadDetailView):
    pass


class UploadProgressView(ProviderAdminView, shared.UploadProgressView):
    pass


class UploadErrorsView(ProviderAdminView, shared.UploadErrorsView):
    pass


class UploadChangesView(ProviderAdminView, shared.UploadChangesView):
    pass


class UploadImportView(ProviderAdminView, shared.UploadImportView):
    pass


class UploadDiscardView(ProviderAdminView, shared.UploadDiscardView):
    pass


class InvitationRevokeView(ProviderAdminView, shared.InvitationRevokeView):
    pass
