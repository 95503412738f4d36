"""Files made in the background: registry exports in the state portal, printed forms in the
provider portal. Each page asks for a file, then follows its progress and offers the download.

A job is looked up within what the person may see: registry exports are the state's (state
officials only, the gate's portal), printed forms their organization's; another's is a 404.
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from administration import exports
from administration.export_forms import (
    BlankFormsForm,
    ClinicFormsForm,
    CvrsExportForm,
    Hl7ExportForm,
    InventoryLevelsForm,
)
from administration.models import Clinic
from administration.record_enums import ExportKind
from administration.record_models import ExportJob
from cvms.access import ProviderPortalView, StatePortalView
from cvms.audit import audit
from cvms.roles import PROVIDER_STAFF
from enrollment.interface import locations_for

REGISTRY = [ExportKind.CVRS, ExportKind.HL7]
RECENT = 20


class JobMixin:
    """The job named in the URL among this portal's, its page and its file."""

    def jobs(self):
        raise NotImplementedError

    def get_job(self) -> ExportJob:
        return get_object_or_404(self.jobs(), pk=self.kwargs["export_pk"])


class JobPage(JobMixin, TemplateView):
    template_name = "administration/export_job.html"

    def get_context_data(self, **kwargs):
        job = self.get_job()
        return super().get_context_data(**kwargs) | {
            "job": job,
            "download_url": reverse(self.download, kwargs={"export_pk": job.pk}),
            "back": self.back,
        }


class JobDownload(JobMixin, View):
    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if not job.is_available:
            raise Http404
        audit(action="administration.export.downloaded", by=request.user, target=job, request=request)
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)


# --- State: registry exports -----------------------------------------------------------------


class StateJobs:
    back = "state:administration.exports"
    download = "state:administration.export.download"

    def jobs(self):
        return ExportJob.objects.filter(kind__in=REGISTRY, organization__isnull=True)


class StateExportsView(StateJobs, StatePortalView, TemplateView):
    template_name = "administration/state_exports.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "cvrs_form": kwargs.get("cvrs_form") or CvrsExportForm(initial={"end": timezone.localdate()}),
            "hl7_form": kwargs.get("hl7_form") or Hl7ExportForm(),
            "jobs": list(self.jobs().select_related("requested_by")[:RECENT]),
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
        job = exports.export_request(kind=kind, by=request.user, params=params, request=request)
        messages.success(request, _("The export is being prepared."))
        return redirect("state:administration.export", export_pk=job.pk)


class StateExportJobView(StateJobs, StatePortalView, JobPage):
    pass


class StateExportDownloadView(StateJobs, StatePortalView, JobDownload):
    pass


# --- Provider: printed offline forms ----------------------------------------------------------


class ProviderJobs:
    back = "provider:administration.offline"
    download = "provider:administration.offline.download"

    def jobs(self):
        return ExportJob.objects.filter(organization=self.request.organization).exclude(kind__in=REGISTRY)


class OfflineFormsView(ProviderJobs, ProviderPortalView, TemplateView):
    """Print forms for when the system can't be used: blank, for a clinic's bookings, or the
    inventory levels of a location. Each PDF is made in the background."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_offline.html"

    def _choices(self):
        locations = locations_for(self.request.user, self.request.organization)
        clinics = (
            Clinic.objects.filter(location__in=locations, date__gte=timezone.localdate())
            .select_related("location", "product")
            .order_by("date", "opens_at", "id")
        )
        return locations, clinics

    def get_context_data(self, **kwargs):
        locations, clinics = self._choices()
        return super().get_context_data(**kwargs) | {
            "blank_form": kwargs.get("blank_form") or BlankFormsForm(locations=locations),
            "clinic_form": kwargs.get("clinic_form") or ClinicFormsForm(clinics=clinics),
            "levels_form": kwargs.get("levels_form") or InventoryLevelsForm(locations=locations),
            "jobs": list(self.jobs().select_related("location", "clinic")[:RECENT]),
        }

    def post(self, request, *args, **kwargs):
        locations, clinics = self._choices()
        kind = request.POST.get("kind")
        request_kwargs = {}
        if kind == ExportKind.FORMS_BLANK:
            form = BlankFormsForm(request.POST, locations=locations)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(blank_form=form))
            request_kwargs = {
                "location": form.cleaned_data["location"],
                "params": {"count": form.cleaned_data["count"]},
            }
        elif kind == ExportKind.FORMS_CLINIC:
            form = ClinicFormsForm(request.POST, clinics=clinics)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(clinic_form=form))
            clinic = form.cleaned_data["clinic"]
            request_kwargs = {"clinic": clinic, "location": clinic.location}
        elif kind == ExportKind.INVENTORY_LEVELS:
            form = InventoryLevelsForm(request.POST, locations=locations)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(levels_form=form))
            request_kwargs = {"location": form.cleaned_data["location"]}
        else:
            raise Http404
        job = exports.export_request(
            kind=kind, by=request.user, organization=request.organization, request=request, **request_kwargs
        )
        messages.success(request, _("The PDF is being prepared."))
        return redirect("provider:administration.offline.job", export_pk=job.pk)


class OfflineJobView(ProviderJobs, ProviderPortalView, JobPage):
    roles = PROVIDER_STAFF


class OfflineDownloadView(ProviderJobs, ProviderPortalView, JobDownload):
    roles = PROVIDER_STAFF
