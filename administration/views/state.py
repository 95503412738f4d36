"""The state portal's registry exports (CDC CVRS files, HL7 VXU batches): ask for one, follow its
progress, download it. Registry exports are the state's: only state officials see them (the
portal's gate), and a job of another kind is a 404 here."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from administration.enums import REGISTRY_EXPORTS, ExportKind
from administration.forms.files import CvrsExportForm, Hl7ExportForm
from administration.models import ExportJob
from administration.services import files
from administration.views import RECENT_JOBS, JobDownload, JobPage
from cvms.access import StatePortalView


class StateJobs:
    back = "state:administration.exports"
    download = "state:administration.export.download"

    def jobs(self):
        return ExportJob.objects.filter(kind__in=REGISTRY_EXPORTS, organization__isnull=True)


class StateExportsView(StateJobs, StatePortalView, TemplateView):
    template_name = "administration/state_exports.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "cvrs_form": kwargs.get("cvrs_form") or CvrsExportForm(initial={"end": timezone.localdate()}),
            "hl7_form": kwargs.get("hl7_form") or Hl7ExportForm(),
            "jobs": list(self.jobs().select_related("requested_by")[:RECENT_JOBS]),
        }

    def post(self, request, *args, **kwargs):
        kind = request.POST.get("kind")
        if kind == ExportKind.CVRS:
            form = CvrsExportForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(cvrs_form=form))
            params = {
                "start": form.cleaned_data["start"].isoformat(),
                "end": form.cleaned_data["end"].isoformat(),
            }
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
