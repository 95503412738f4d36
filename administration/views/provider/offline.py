"""The provider portal's printed forms for working offline (blank, for a clinic's bookings, the
inventory levels sheet): each PDF is made in the background; the page follows its progress and
offers the download. A job is looked up among those of the person's locations: another
organization's, or another location's for a vaccinator, is a 404."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from administration.enums import REGISTRY_EXPORTS, ExportKind
from administration.forms.files import BlankFormsForm, ClinicFormsForm, InventoryLevelsForm
from administration.models import Clinic, ExportJob
from administration.services import files
from administration.views import RECENT_JOBS, JobDownload, JobPage
from cvms.access import ProviderPortalView
from cvms.roles import PROVIDER_STAFF


class ProviderJobs:
    back = "provider:administration.offline"
    download = "provider:administration.offline.download"

    def back_for(self, job: ExportJob) -> str:
        # The wasted/expired report is asked for on inventory's wastage page: back there.
        return "provider:inventory.wastage" if job.kind == ExportKind.WASTAGE_REPORT else self.back

    def jobs(self):
        # The forms of the locations the person may work at: a clinic's forms list its people.
        return ExportJob.objects.filter(
            organization=self.request.organization, location__in=self.request.locations
        ).exclude(kind__in=REGISTRY_EXPORTS)


class OfflineFormsView(ProviderJobs, ProviderPortalView, TemplateView):
    """Print forms for when the system can't be used: blank, for a clinic's bookings, or the
    inventory levels of a location. Each PDF is made in the background."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_offline.html"

    def _choices(self):
        locations = self.request.locations
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
            "jobs": list(self.jobs().select_related("location", "clinic")[:RECENT_JOBS]),
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
        job = files.export_request(
            kind=kind, by=request.user, organization=request.organization, request=request, **request_kwargs
        )
        messages.success(request, _("The PDF is being prepared."))
        return redirect("provider:administration.offline.job", export_pk=job.pk)


class OfflineJobView(ProviderJobs, ProviderPortalView, JobPage):
    roles = PROVIDER_STAFF


class OfflineDownloadView(ProviderJobs, ProviderPortalView, JobDownload):
    roles = PROVIDER_STAFF
