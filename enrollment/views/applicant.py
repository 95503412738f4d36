"""The application wizard, inside the provider and employer portals but open to any signed-in
person (an applicant has no organization yet). Each person sees only their own applications."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, View

from cvms.access import SignedInView
from cvms.roles import Portal
from enrollment.enums import ApplicationStatus, OrganizationKind
from enrollment.forms import (
    ContactForm,
    EmployerOrganizationForm,
    LocationFormSet,
    ProviderOrganizationForm,
    ReadinessForm,
    SubmitForm,
    location_initial,
)
from enrollment.models import EnrollmentApplication
from enrollment.selectors import application_problems, applications_of, readiness_items_for
from enrollment.services.applications import (
    ApplicationIncomplete,
    application_locations_replace,
    application_start,
    application_submit,
    application_update,
)
from enrollment.services.errors import EnrollmentError

STEP_LABELS = {
    "organization": gettext_lazy("Organization"),
    "contact": gettext_lazy("Point of contact"),
    "locations": gettext_lazy("Locations"),
    "readiness": gettext_lazy("Readiness"),
    "submit": gettext_lazy("Agreement and submission"),
}


def steps_for(kind: str) -> list[str]:
    if kind == OrganizationKind.PROVIDER:
        return ["organization", "contact", "locations", "readiness", "submit"]
    return ["organization", "contact", "readiness", "submit"]


class ApplicantMixin(SignedInView):
    kind: str = OrganizationKind.PROVIDER
    portal_name: str = Portal.PROVIDER.value

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"{self.portal_name}:enrollment.{name}", kwargs=kwargs or None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kind
        context["kind_label"] = OrganizationKind(self.kind).label
        context["portal_name"] = self.portal_name
        return context


class ApplicationListView(ApplicantMixin, ListView):
    template_name = "enrollment/applicant/list.html"
    context_object_name = "applications"

    def get_queryset(self):
        return applications_of(self.request.user, self.kind)


class ApplicationStartView(ApplicantMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        application = application_start(kind=self.kind, by=request.user, request=request)
        return redirect(self.url("step.organization", application_pk=application.pk))


class OwnApplicationMixin(ApplicantMixin):
    def get_application(self) -> EnrollmentApplication:
        # Another person's application, or one of the other portal's kind, is a 404.
        return get_object_or_404(
            EnrollmentApplication.objects.select_related("county", "priority_group", "organization"),
            pk=self.kwargs["application_pk"],
            applicant=self.request.user,
            kind=self.kind,
        )

    def check_access(self, request):
        answer = super().check_access(request)
        if answer is None:
            self.application = self.get_application()
        return answer

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        steps = steps_for(self.kind)
        context["application"] = self.application
        context["steps"] = [
            (step, STEP_LABELS[step], self.url(f"step.{step}", application_pk=self.application.pk))
            for step in steps
        ]
        return context


class ApplicationDetailView(OwnApplicationMixin, DetailView):
    template_name = "enrollment/applicant/detail.html"

    def get_object(self, queryset=None):
        return self.application

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = self.application.events.select_related("by")
        context["locations"] = self.application.locations.select_related("county")
        context["readiness"] = [
            (item, self.application.readiness.get(str(item.pk))) for item in readiness_items_for(self.kind)
        ]
        return context


class StepView(OwnApplicationMixin, FormView):
    """One step of the wizard: "Save and continue" goes to the next step, "Save draft" back to
    the application's page; both keep what is valid as the draft."""

    step: str = ""
    template_name = "enrollment/applicant/step.html"

    def next_url(self) -> str:
        if "save_draft" in self.request.POST:
            return self.url("application", application_pk=self.application.pk)
        steps = steps_for(self.kind)
        following = steps[steps.index(self.step) + 1]
        return self.url(f"step.{following}", application_pk=self.application.pk)

    def get(self, request, *args, **kwargs):
        if not self.application.is_editable:
            # Submitted (or decided): the answers are shown read-only on the application's page.
            return redirect(self.url("application", application_pk=self.application.pk))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.application.is_editable:
            messages.error(
                request, _("This application is with the state for review and can't be changed now.")
            )
            return redirect(self.url("application", application_pk=self.application.pk))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["step"] = self.step
        context["step_label"] = STEP_LABELS[self.step]
        return context

    def saved(self):
        messages.success(self.request, _("Your answers are saved as a draft."))
        return redirect(self.next_url())


class ModelStepView(StepView):
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.application
        return kwargs

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        application_update(application=self.application, data=data, by=self.request.user)
        return self.saved()


class OrganizationStepView(ModelStepView):
    step = "organization"

    def get_form_class(self):
        return (
            ProviderOrganizationForm if self.kind == OrganizationKind.PROVIDER else EmployerOrganizationForm
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.application}


class ContactStepView(ModelStepView):
    step = "contact"
    form_class = ContactForm


class LocationsStepView(StepView):
    step = "locations"
    template_name = "enrollment/applicant/locations.html"

    def get_form(self, form_class=None):
        if self.request.method == "POST":
            return LocationFormSet(self.request.POST, prefix="locations")
        return LocationFormSet(initial=location_initial(self.application), prefix="locations")

    def form_valid(self, formset):
        rows = [
            {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
            for form in formset.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        application_locations_replace(application=self.application, locations=rows, by=self.request.user)
        return self.saved()


class ReadinessStepView(StepView):
    step = "readiness"

    def get_form(self, form_class=None):
        return ReadinessForm(
            self.request.POST if self.request.method == "POST" else None,
            items=readiness_items_for(self.kind),
            answers=self.application.readiness,
        )

    def form_valid(self, form):
        application_update(
            application=self.application, data={"readiness": form.answers()}, by=self.request.user
        )
        return self.saved()


class SubmitStepView(StepView):
    step = "submit"
    form_class = SubmitForm
    template_name = "enrollment/applicant/submit.html"

    def get_initial(self):
        # The signer's name, never their e-mail address in its place.
        return {"attested_name": self.request.user.real_name}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "signer": self.request.user,
            "asks_response": self.application.status == ApplicationStatus.INFO_REQUESTED,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("problems", application_problems(self.application))
        context["locations"] = self.application.locations.select_related("county")
        context["readiness"] = [
            (item, self.application.readiness.get(str(item.pk))) for item in readiness_items_for(self.kind)
        ]
        return context

    def form_valid(self, form):
        try:
            application_submit(
                application=self.application,
                attested_name=form.cleaned_data["attested_name"],
                response=form.cleaned_data.get("response", ""),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationIncomplete as incomplete:
            messages.error(self.request, _("The application can't be submitted yet: see the problems below."))
            return self.render_to_response(self.get_context_data(form=form, problems=incomplete.problems))
        except EnrollmentError as error:
            messages.error(self.request, str(error))
            return redirect(self.url("application", application_pk=self.application.pk))
        messages.success(
            self.request, _("Your application is submitted. The state will e-mail you its decision.")
        )
        return redirect(self.url("application", application_pk=self.application.pk))


def applicant_views(kind: str, portal: Portal) -> dict:
    """The wizard's view classes for one portal."""
    attrs = {"kind": kind, "portal_name": portal.value}
    classes = {
        "list": ApplicationListView,
        "start": ApplicationStartView,
        "application": ApplicationDetailView,
        "step.organization": OrganizationStepView,
        "step.contact": ContactStepView,
        "step.readiness": ReadinessStepView,
        "step.submit": SubmitStepView,
    }
    if kind == OrganizationKind.PROVIDER:
        classes["step.locations"] = LocationsStepView
    prefix = portal.value.capitalize()
    return {name: type(f"{prefix}{cls.__name__}", (cls,), attrs) for name, cls in classes.items()}
