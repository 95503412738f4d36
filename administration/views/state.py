"""The state portal's registry exports (CDC CVRS files, HL7 VXU batches): ask for one, follow its
progress, download it. Registry exports are the state's: only state officials see them (the
portal's gate), and a job of another kind is a 404 here."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from administration.enums import REGISTRY_EXPORTS, ExportKind
from administration.forms.files import AckFileForm, CvrsExportForm, Hl7ExportForm
from administration.models import AdministrationRecord, ExportJob
from administration.selectors.registry import refused_messages
from administration.services import files, registry
from administration.views import RECENT_JOBS, JobDownload, JobPage
from cvms.access import StatePortalView
from cvms.pagination import BoundedPaginator


class StateJobs:
    back = "state:administration.exports"
    download = "state:administration.export.download"

    def jobs(self):
        return ExportJob.objects.filter(kind__in=REGISTRY_EXPORTS, organization__isnull=True)


class StateExportsView(StateJobs, StatePortalView, TemplateView):
    template_name = "administration/state_exports.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "cvrs_form": kwargs.get("cvrs_form")
            or CvrsExportForm(initial={"day": timezone.localdate() - timedelta(days=1)}),
            "hl7_form": kwargs.get("hl7_form") or Hl7ExportForm(),
            "jobs": list(self.jobs().select_related("requested_by")[:RECENT_JOBS]),
        }

    def post(self, request, *args, **kwargs):
        kind = request.POST.get("kind")
        if kind == ExportKind.CVRS:
            form = CvrsExportForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(cvrs_form=form))
            params = form.params()
        elif kind == ExportKind.HL7:
            form = Hl7ExportForm(request.POST)
            form.is_valid()
            params = {"since_last": form.cleaned_data.get("since_last", False)}
        else:
            raise Http404
        job = files.export_request(kind=kind, by=request.user, params=params, request=request)
        messages.success(request, _("The export is being prepared."))
        return redirect("state:administration.export", export_pk=job.pk)


class StateExportJobView(StateJobs, StatePortalView, JobPage):
    pass


class StateExportDownloadView(StateJobs, StatePortalView, JobDownload):
    pass


class RefusedMessagesView(StatePortalView, ListView):
    """The registry's refusals still standing, with its errors; the acknowledgement file is
    imported here."""

    template_name = "administration/state_refused.html"
    context_object_name = "refusals"
    paginate_by = 50
    paginator_class = BoundedPaginator

    def get_queryset(self):
        return refused_messages()

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"form": kwargs.get("form") or AckFileForm()}

    def post(self, request, *args, **kwargs):
        form = AckFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = registry.hl7_acks_import(
                    text=form.cleaned_data["file"], by=request.user, request=request
                )
            except registry.RegistryError as refused:
                form.add_error("file", str(refused))
            else:
                messages.success(
                    request,
                    _(
                        "Acknowledgements imported: %(accepted)s accepted, %(refused)s refused, "
                        "%(unknown)s unknown."
                    )
                    % {
                        "accepted": result.accepted,
                        "refused": result.refused,
                        "unknown": len(result.unknown),
                    },
                )
                return redirect("state:administration.refused")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class RefusedResendView(StatePortalView, View):
    """Send a refused record again unchanged, with the next export."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        record = get_object_or_404(AdministrationRecord, pk=self.kwargs["record_pk"])
        try:
            registry.hl7_resend(record=record, by=request.user, request=request)
        except registry.RegistryError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("%(event)s goes to the registry again with the next export.") % {"event": record.event_id},
            )
        return redirect("state:administration.refused")
