"""The state's pages: the review queue, an application's review and decision, organizations."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, View

from cvms.access import StatePortalView
from cvms.models import AuditEvent
from cvms.rows import choice_labels, esc, local_date, or_dash, row_url, rows_html
from enrollment.enums import ApplicationStatus, ColleagueInvitationStatus, DecisionAction
from enrollment.forms import DecisionForm, OrganizationFilterForm, QueueFilterForm
from enrollment.models import ColleagueInvitation, EnrollmentApplication, Organization
from enrollment.selectors import (
    application_changes,
    organizations_for_state,
    people_of,
    readiness_items_for,
    review_queue,
)
from enrollment.services.decisions import application_approve, application_deny, application_request_info
from enrollment.services.errors import EnrollmentError
from enrollment.services.organizations import organization_reinstate, organization_suspend


class ReviewQueueView(StatePortalView, ListView):
    template_name = "enrollment/state/queue.html"
    context_object_name = "applications"
    paginate_by = 25

    def get_queryset(self):
        self.filters = QueueFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return review_queue(
            status=data.get("status", ""),
            kind=data.get("kind", ""),
            county=data["county"].pk if data.get("county") else "",
            phase=data["phase"].code if data.get("phase") else "",
            search=data.get("q", "").strip(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        url = row_url("state:enrollment.review.detail")
        kinds = choice_labels(EnrollmentApplication, "kind")
        statuses = choice_labels(EnrollmentApplication, "status")
        context["application_rows"] = rows_html(
            context["applications"], lambda application: _application_row(application, url, kinds, statuses)
        )
        return context


def _application_row(application: EnrollmentApplication, url, kinds: dict, statuses: dict) -> str:
    """A row of the review queue (cvms/rows.py: written in Python, issue 18)."""
    group = application.priority_group.code if application.priority_group is not None else ""
    county = application.county if application.county is not None else ""
    submitted = local_date(application.submitted_at, "SHORT_DATETIME_FORMAT")
    return (
        "<tr>\n"
        f"      <td>{or_dash(group)}</td>\n"
        f'      <td><a href="{url(application.pk)}">{esc(application)}</a><br>'
        f'<span class="small text-body-secondary">{esc(application.applicant.email)}</span></td>\n'
        f"      <td>{esc(kinds.get(application.kind, application.kind))}</td>\n"
        f"      <td>{or_dash(county)}</td>\n"
        f"      <td>{application.location_count}</td>\n"
        f"      <td>{esc(submitted)}</td>\n"
        f"      <td>{esc(statuses.get(application.status, application.status))}</td>\n"
        "    </tr>\n"
    )


class ApplicationReviewView(StatePortalView, DetailView):
    template_name = "enrollment/state/application.html"
    context_object_name = "application"
    pk_url_kwarg = "application_pk"

    def get_queryset(self):
        return EnrollmentApplication.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
            "county", "priority_group", "applicant", "organization", "decided_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.object
        context["locations"] = application.locations.select_related("county")
        context["readiness"] = [
            (item, application.readiness.get(str(item.pk))) for item in readiness_items_for(application.kind)
        ]
        context["events"] = application.events.select_related("by")
        context["changes"] = application_changes(application)
        context["last_submission"] = (
            application.events.filter(action=DecisionAction.SUBMITTED).order_by("-at", "-id").first()
        )
        context["decision_form"] = DecisionForm(initial={"version": application.version})
        return context


class DecisionView(StatePortalView, View):
    """Approve, deny or ask for more; the form carries the version the reviewer read."""

    http_method_names = ["post"]
    decision = ""

    def post(self, request, application_pk: int):
        application = get_object_or_404(
            EnrollmentApplication.objects.exclude(status=ApplicationStatus.DRAFT), pk=application_pk
        )
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The decision form was incomplete. Review the application again."))
            return redirect("state:enrollment.review.detail", application_pk=application.pk)
        version, notes = form.cleaned_data["version"], form.cleaned_data["notes"]
        try:
            if self.decision == "approve":
                application_approve(
                    application=application, version=version, by=request.user, request=request
                )
                messages.success(request, _("The application is approved."))
            elif self.decision == "deny":
                application_deny(
                    application=application, version=version, reason=notes, by=request.user, request=request
                )
                messages.success(request, _("The application is denied; the applicant is told why."))
            else:
                application_request_info(
                    application=application, version=version, notes=notes, by=request.user, request=request
                )
                messages.success(request, _("The application is back with the applicant, with your notes."))
        except EnrollmentError as error:
            messages.error(request, str(error))
        return redirect("state:enrollment.review.detail", application_pk=application.pk)


class ApproveView(DecisionView):
    decision = "approve"


class DenyView(DecisionView):
    decision = "deny"


class RequestInfoView(DecisionView):
    decision = "request_info"


class OrganizationListView(StatePortalView, ListView):
    template_name = "enrollment/state/organizations.html"
    context_object_name = "organizations"
    paginate_by = 25

    def get_queryset(self):
        self.filters = OrganizationFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return organizations_for_state(
            search=data.get("q", "").strip(), kind=data.get("kind", ""), status=data.get("status", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        url = row_url("state:enrollment.organization")
        kinds = choice_labels(Organization, "kind")
        statuses = choice_labels(Organization, "status")
        context["organization_rows"] = rows_html(
            context["organizations"], lambda row: _organization_row(row, url, kinds, statuses)
        )
        return context


def _organization_row(organization: Organization, url, kinds: dict, statuses: dict) -> str:
    """A row of the state's list of organizations (cvms/rows.py: written in Python, issue 18)."""
    return (
        f'<tr><td><a href="{url(organization.pk)}">{esc(organization)}</a></td>'
        f"<td>{esc(kinds.get(organization.kind, organization.kind))}</td><td>{or_dash(organization.pin)}</td>"
        f"<td>{esc(statuses.get(organization.status, organization.status))}</td>"
        f"<td>{organization.location_count}</td><td>{organization.people_count}</td></tr>\n"
    )


class OrganizationDetailView(StatePortalView, DetailView):
    template_name = "enrollment/state/organization.html"
    context_object_name = "organization"
    pk_url_kwarg = "organization_pk"
    model = Organization

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.object
        application = EnrollmentApplication.objects.filter(organization=organization).first()
        context["application"] = application
        context["events"] = application.events.select_related("by") if application else []
        context["locations"] = organization.locations.select_related("county")
        context["people"] = people_of(organization)
        context["invitations"] = ColleagueInvitation.objects.filter(
            organization=organization, status=ColleagueInvitationStatus.PENDING
        )
        context["audit_events"] = AuditEvent.objects.filter(
            target_type="enrollment.organization", target_id=str(organization.pk)
        ).select_related("actor")[:20]
        return context


class OrganizationStatusView(StatePortalView, DetailView):
    """GET asks for confirmation; POST suspends or reinstates."""

    template_name = "enrollment/state/organization_status.html"
    context_object_name = "organization"
    pk_url_kwarg = "organization_pk"
    model = Organization
    action = "suspend"

    def get_context_data(self, **kwargs):
        return super().get_context_data(action=self.action, **kwargs)

    def post(self, request, organization_pk: int):
        organization = get_object_or_404(Organization, pk=organization_pk)
        try:
            if self.action == "suspend":
                organization_suspend(organization=organization, by=request.user, request=request)
                messages.success(
                    request,
                    _("%(name)s is suspended: its people can't use the portal.")
                    % {"name": organization.name},
                )
            else:
                organization_reinstate(organization=organization, by=request.user, request=request)
                messages.success(request, _("%(name)s is reinstated.") % {"name": organization.name})
        except EnrollmentError as error:
            messages.error(request, str(error))
        return redirect("state:enrollment.organization", organization_pk=organization.pk)


class SuspendView(OrganizationStatusView):
    action = "suspend"


class ReinstateView(OrganizationStatusView):
    action = "reinstate"
