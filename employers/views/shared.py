"""The roster pages, shared by the employer and the provider portals.

These classes hold no access rule: `views/employer.py` and `views/provider.py` put each one
behind its portal's gate. Everything is scoped to `request.organization`, so another
organization's roster, people and uploads answer 404.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from cvms.audit import audit
from cvms.inputs import ids_of
from cvms.searches import PostedSearchMixin, search_audit, search_kept
from cvms.spreadsheets import csv_download
from employers import selectors
from employers.enums import UPLOAD_WORKING, UploadStatus
from employers.forms import RosterFilterForm, RosterUploadForm
from employers.models import Invitation, RosterUpload
from employers.rosterfiles.columns import COLUMNS, TEMPLATE_HEADERS
from employers.rosterfiles.errors import RosterFileError
from employers.services.changes import COMPARED, upload_changes, upload_changes_all
from employers.services.errors import RosterRefused
from employers.services.invitations import invitation_revoke, invitations_resend
from employers.services.uploads import roster_upload_create, roster_upload_discard, roster_upload_import


class RosterMixin:
    """Gives templates the portal's namespace (`ns`) so one template serves both portals."""

    def url(self, name: str, *args) -> str:
        from django.urls import reverse

        return reverse(f"{self.request.portal}:{name}", args=args)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ns"] = f"{self.request.portal}:"
        return context

    def uploads(self):
        return selectors.organization_uploads(organization=self.request.organization)


class RosterView(PostedSearchMixin, RosterMixin, ListView):
    """The roster's people. The name or e-mail searched is POSTed (never in a URL); the status
    filter isn't personal and stays in the query string, so the counts can link to it. Each page
    of people shown is on the audit trail."""

    template_name = "employers/roster.html"
    context_object_name = "invitees"
    paginate_by = 50
    search_form_class = RosterFilterForm
    search_public_fields = ("status",)

    def get_queryset(self):
        filters = self.search_form()
        cleaned = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
        return selectors.roster_invitees(
            organization=self.request.organization,
            status=cleaned.get("status", ""),
            search=cleaned.get("q", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.search_form()
        context["counts"] = selectors.roster_counts(organization=self.request.organization)
        search_audit(
            action="employers.invitee.searched",
            request=self.request,
            form=context["filters"],
            found=[invitee.pk for invitee in context["invitees"]],
        )
        return context


class RosterExportView(RosterMixin, View):
    """The roster as CSV, as the roster page shows it: the status in the query string and the
    search kept under its `?search=` key (the terms never in a URL), else everyone. Personal data
    leaving the system, so on the audit trail, with the fields it was filtered by."""

    def filters(self) -> RosterFilterForm:
        data = {"status": self.request.GET["status"]} if "status" in self.request.GET else {}
        data |= search_kept(self.request, path=self.url("employers.roster")) or {}
        return RosterFilterForm(data or None)

    def get(self, request):
        filters = self.filters()
        cleaned = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
        audit(
            action="employers.roster.exported",
            by=request.user,
            target=request.organization,
            request=request,
            data={"fields": sorted(name for name, value in cleaned.items() if value)},
        )
        invitees = selectors.roster_invitees(
            organization=request.organization, status=cleaned.get("status", ""), search=cleaned.get("q", "")
        ).prefetch_related(None)
        header = [str(TEMPLATE_HEADERS[c]) for c in COLUMNS] + [_("Status")]
        rows = (
            [
                i.first_name,
                i.last_name,
                i.email,
                i.phone,
                i.date_of_birth.isoformat(),
                i.priority_group.code if i.priority_group else "",
                i.occupation,
                i.language,
                i.get_status_display(),
            ]
            for i in invitees.iterator(chunk_size=2000)
        )
        return csv_download("roster.csv", header, rows)


class RosterTemplateView(RosterMixin, View):
    def get(self, request):
        example = [
            "Ana",
            "García",
            "ana.garcia@example.org",
            "919-555-0100",
            "1985-04-23",
            "3b",
            "Machinist",
            "es",
        ]
        return csv_download("roster-template.csv", [TEMPLATE_HEADERS[c] for c in COLUMNS], [example])


class RosterResendView(RosterMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        ids = ids_of(request.POST.getlist("invitee"))
        count = invitations_resend(
            organization=request.organization, invitee_ids=ids, by=request.user, request=request
        )
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s invitation will be sent again.",
                    "%(count)s invitations will be sent again.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.warning(request, _("Nobody chosen can be invited (already registered, or none chosen)."))
        return redirect(
            self.url("employers.roster") + (f"?{request.POST['next']}" if request.POST.get("next") else "")
        )


class UploadsView(RosterMixin, FormView):
    template_name = "employers/uploads.html"
    form_class = RosterUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["uploads"] = self.uploads()[:20]
        return context

    def form_valid(self, form):
        try:
            upload = roster_upload_create(
                organization=self.request.organization,
                file=form.cleaned_data["file"],
                by=self.request.user,
                language=self.request.LANGUAGE_CODE,
                request=self.request,
            )
        except RosterFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The roster was received; it is being checked."))
        return HttpResponseRedirect(self.url("employers.upload", upload.pk))


class UploadMixin(RosterMixin):
    def get_upload(self) -> RosterUpload:
        return get_object_or_404(self.uploads(), pk=self.kwargs["upload_pk"])


class UploadDetailView(UploadMixin, DetailView):
    template_name = "employers/upload_detail.html"
    context_object_name = "upload"
    errors_shown = 100

    def get_object(self, queryset=None):
        return self.get_upload()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upload = self.object
        context["working"] = upload.status in UPLOAD_WORKING
        context["errors"] = list(upload.errors.all()[: self.errors_shown])
        context["more_errors"] = len(context["errors"]) == self.errors_shown
        context["can_choose"] = upload.status == UploadStatus.VALIDATED
        context["field_changes"] = [
            (label, upload.field_changes[name])
            for name, label in COMPARED.items()
            if name in upload.field_changes
        ]
        if context["can_choose"] and upload.rows_updated:
            context["changes"] = upload_changes(upload)
        return context


class UploadProgressView(UploadMixin, View):
    """A small JSON answer polled by the upload page's script."""

    def get(self, request, upload_pk):
        upload = self.get_upload()
        return JsonResponse(
            {
                "status": upload.status,
                "label": upload.get_status_display(),
                "progress": upload.progress,
                "working": upload.status in UPLOAD_WORKING,
            }
        )


class UploadErrorsView(UploadMixin, View):
    def get(self, request, upload_pk):
        upload = self.get_upload()
        rows = upload.errors.values_list("line", "column", "value", "message").iterator(chunk_size=2000)
        return csv_download(
            f"roster-errors-{upload.pk}.csv", [_("Line"), _("Column"), _("Value"), _("Problem")], rows
        )


class UploadChangesView(UploadMixin, View):
    """Every change a checked upload would make to the roster, as CSV (the page lists the first
    ones): personal data leaving the system, so on the audit trail."""

    def get(self, request, upload_pk):
        upload = self.get_upload()
        if upload.status != UploadStatus.VALIDATED:
            raise Http404  # imported or discarded: its rows are gone
        audit(action="employers.roster.changes_exported", by=request.user, target=upload, request=request)
        rows = (
            [change.line, change.name, change.email, label, before, after]
            for change in upload_changes_all(upload)
            for label, before, after in change.fields
        )
        header = [_("Line"), _("Person"), _("E-mail"), _("Column"), _("On the roster"), _("In this file")]
        return csv_download(f"roster-changes-{upload.pk}.csv", header, rows)


class UploadImportView(UploadMixin, View):
    http_method_names = ["post"]

    def post(self, request, upload_pk):
        upload = self.get_upload()
        try:
            roster_upload_import(
                upload=upload,
                by=request.user,
                changes_confirmed=request.POST.get("confirm_changes") == "yes",
                request=request,
            )
        except RosterRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Importing the valid rows."))
        return redirect(self.url("employers.upload", upload.pk))


class UploadDiscardView(UploadMixin, View):
    http_method_names = ["post"]

    def post(self, request, upload_pk):
        upload = self.get_upload()
        try:
            roster_upload_discard(upload=upload, by=request.user, request=request)
        except RosterRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Nothing was imported; the roster is unchanged."))
        return redirect(self.url("employers.upload", upload.pk))


class InvitationRevokeView(RosterMixin, TemplateView):
    """GET asks for confirmation; POST revokes."""

    template_name = "employers/invitation_revoke.html"

    def get_invitation(self) -> Invitation:
        return get_object_or_404(
            Invitation.objects.select_related("invitee"),
            pk=self.kwargs["invitation_pk"],
            invitee__organization=self.request.organization,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.get_invitation()
        return context

    def post(self, request, invitation_pk):
        invitation = self.get_invitation()
        try:
            invitation_revoke(invitation=invitation, by=request.user, request=request)
        except RosterRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("The invitation of %(name)s no longer works.") % {"name": invitation.invitee.full_name},
            )
        return redirect(self.url("employers.roster"))
