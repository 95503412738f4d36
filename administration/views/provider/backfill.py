"""Back-fill of paper forms in the provider portal: one form at a time, or a CSV of many."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from administration.forms.backfill import BackfillUploadForm, PaperFormForm
from administration.offline.fields import ADMINISTRATION, FIELDS, REGISTRATION, SCREENING
from administration.offline.numbers import form_number_display
from administration.services import backfill
from cvms.access import ProviderPortalView
from cvms.roles import PROVIDER_STAFF


class BackfillView(ProviderPortalView, TemplateView):
    """One paper form, copied field for field."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_backfill.html"

    def get_form(self):
        locations = self.request.locations
        return PaperFormForm(self.request.POST or None, locations=locations)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or self.get_form()
        context |= {
            "form": form,
            "sections": [
                (_("The person"), form.sections.get(REGISTRATION, [])),
                (_("Screening"), form.sections.get(SCREENING, [])),
                (_("The vaccination"), form.sections.get(ADMINISTRATION, [])),
            ],
        }
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            data = dict(form.cleaned_data)
            location = data.pop("location")
            try:
                outcome = backfill.form_backfill(
                    location=location, row=data, by=request.user, request=request
                )
            except backfill.BackfillError as refused:
                for field, message in refused.problems:
                    form.add_error(field if field in form.fields else None, message)
            else:
                number = form_number_display(outcome.record.form_number)
                if outcome.duplicate:
                    messages.warning(
                        request, _("Form %(n)s was already recorded; nothing changed.") % {"n": number}
                    )
                else:
                    messages.success(request, _("Form %(n)s recorded.") % {"n": number})
                return redirect("provider:administration.backfill")
        return self.render_to_response(self.get_context_data(form=form))


class BackfillUploadView(ProviderPortalView, TemplateView):
    """Many paper forms at once: a CSV in the form's shape, recorded line by line, with a report."""

    roles = PROVIDER_STAFF
    template_name = "administration/provider_backfill_upload.html"

    def get_form(self):
        locations = self.request.locations
        return BackfillUploadForm(self.request.POST or None, self.request.FILES or None, locations=locations)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["max_lines"] = backfill.MAX_CSV_LINES
        context["columns"] = FIELDS
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        reports = None
        if form.is_valid():
            try:
                reports = backfill.forms_backfill_csv(
                    location=form.cleaned_data["location"],
                    content=form.cleaned_data["file"].read(),
                    by=request.user,
                    request=request,
                )
            except (backfill.CsvRefused, UnicodeDecodeError) as refused:
                message = (
                    str(refused)
                    if isinstance(refused, backfill.CsvRefused)
                    else _("The file is not UTF-8 text.")
                )
                form.add_error("file", message)
        counts = {}
        for report in reports or []:
            counts[report.status] = counts.get(report.status, 0) + 1
        return self.render_to_response(self.get_context_data(form=form, reports=reports, counts=counts))


class BackfillTemplateView(ProviderPortalView, View):
    """The CSV's header row, to start a file from."""

    roles = PROVIDER_STAFF

    def get(self, request, *args, **kwargs):
        response = HttpResponse(backfill.csv_template(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="paper-forms.csv"'
        return response
