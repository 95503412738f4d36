"""State officials' pages: priority groups and self-registration, finding people, duplicates."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from cvms.access import StatePortalView
from cvms.pagination import BoundedPaginator
from cvms.rows import esc, local_date, or_dash, row_url, rows_html
from cvms.searches import PostedSearchMixin, search_audit
from enrollment.models import PriorityGroup
from recipients import selectors, services
from recipients.forms import GroupScheduleForm, SearchForm
from recipients.models import Recipient, RecipientMerge
from recipients.services.duplicates import pair_reasons


class GroupsView(StatePortalView, TemplateView):
    template_name = "recipients/state_groups.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groups"] = [
            (group, GroupScheduleForm(prefix=f"group-{group.pk}", initial={"opens_at": group.opens_at}))
            for group in selectors.priority_groups()
        ]
        context["settings"] = selectors.registration_settings()
        return context


class GroupOpenView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request, priority_group_pk: int):
        group = get_object_or_404(PriorityGroup, pk=priority_group_pk)
        services.priority_group_open(group=group, by=request.user, request=request)
        messages.success(
            request, _("Group %(code)s is open for booking and self-registration.") % {"code": group.code}
        )
        return redirect("state:recipients.groups")


class GroupCloseView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request, priority_group_pk: int):
        group = get_object_or_404(PriorityGroup, pk=priority_group_pk)
        services.priority_group_close(group=group, by=request.user, request=request)
        messages.success(
            request,
            _("Group %(code)s is closed for new bookings; booked appointments stay.") % {"code": group.code},
        )
        return redirect("state:recipients.groups")


class GroupScheduleView(StatePortalView, View):
    """Set ahead the time a group opens by itself (or clear it)."""

    http_method_names = ["post"]

    def post(self, request, priority_group_pk: int):
        group = get_object_or_404(PriorityGroup, pk=priority_group_pk)
        form = GroupScheduleForm(data=request.POST, prefix=f"group-{group.pk}")
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("state:recipients.groups")
        opens_at = form.cleaned_data["opens_at"]
        try:
            services.priority_group_schedule(group=group, opens_at=opens_at, by=request.user, request=request)
        except services.ScheduleRefused as refused:
            messages.error(request, str(refused))
            return redirect("state:recipients.groups")
        if opens_at is None:
            messages.success(request, _("Group %(code)s has no opening time set.") % {"code": group.code})
        else:
            messages.success(
                request,
                _("Group %(code)s opens by itself on %(when)s; its registered people will be told by e-mail.")
                % {
                    "code": group.code,
                    "when": formats.date_format(timezone.localtime(opens_at), "DATETIME_FORMAT"),
                },
            )
        return redirect("state:recipients.groups")


class SelfRegistrationView(StatePortalView, View):
    http_method_names = ["post"]

    def post(self, request):
        is_open = request.POST.get("self_registration_open") == "on"
        services.self_registration_set(is_open=is_open, by=request.user, request=request)
        messages.success(
            request, _("Self-registration is open.") if is_open else _("Self-registration is closed.")
        )
        return redirect("state:recipients.groups")


class RecipientsView(PostedSearchMixin, StatePortalView, ListView):
    """Finding people by name, e-mail or date of birth: the terms are POSTed (never in a URL),
    and each page of people shown is on the audit trail."""

    template_name = "recipients/state_recipients.html"
    paginate_by = 50
    paginator_class = BoundedPaginator
    context_object_name = "recipients"
    search_form_class = SearchForm

    def get_queryset(self):
        form = self.search_form()
        query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
        return selectors.recipients_search(query=query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.search_form()
        url = row_url("state:recipients.recipient")
        context["recipient_rows"] = rows_html(context["recipients"], lambda row: _recipient_row(row, url))
        search_audit(
            action="recipients.recipient.searched",
            request=self.request,
            form=context["form"],
            found=[recipient.pk for recipient in context["recipients"]],
        )
        return context


def _recipient_row(person: Recipient, url) -> str:
    """A row of the state's list of people (cvms/rows.py: written in Python, issue 18)."""
    county = person.county.name if person.county is not None else ""
    group = person.priority_group.code if person.priority_group is not None else ""
    return (
        f'<tr><td><a href="{url(person.pk)}">{esc(person.last_name)}, {esc(person.first_name)}</a></td>'
        f"<td>{local_date(person.date_of_birth, 'Y-m-d')}</td><td>{or_dash(county)}</td>"
        f"<td>{or_dash(group)}</td></tr>\n"
    )


class RecipientDetailView(StatePortalView, TemplateView):
    """A person's record as a state official sees it; every view is on the audit trail."""

    template_name = "recipients/state_recipient.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        recipient = get_object_or_404(
            Recipient.objects.select_related("county", "priority_group", "user"),
            pk=self.kwargs["recipient_pk"],
        )
        services.recipient_viewed(recipient=recipient, by=self.request.user, request=self.request)
        context["recipient"] = recipient
        context["invited_by"] = list(recipient.invited_by.all())
        context["attestations"] = list(recipient.attestations.select_related("attested_by"))
        return context


class DuplicatesView(StatePortalView, ListView):
    """Possible duplicates, each pair with why it matched: people found by the system rather than
    by terms typed, but people shown all the same, so each page is on the audit trail."""

    template_name = "recipients/state_duplicates.html"
    paginate_by = 50
    paginator_class = BoundedPaginator
    context_object_name = "pairs"

    def get_queryset(self):
        return selectors.duplicate_pairs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pairs"] = [(pair, selectors.reasons_text(pair.reasons)) for pair in context["pairs"]]
        search_audit(
            action="recipients.duplicate.searched",
            request=self.request,
            found=sorted(
                {person.pk for pair, _why in context["pairs"] for person in (pair.recipient, pair.other)}
            ),
        )
        return context


class MergeView(StatePortalView, TemplateView):
    """Merge a duplicate into a record: a confirmation page showing both, then the merge."""

    template_name = "recipients/state_merge.html"

    def _records(self):
        survivor = get_object_or_404(Recipient, pk=self.kwargs["recipient_pk"])
        duplicate = get_object_or_404(Recipient, pk=self.kwargs["duplicate_pk"])
        return survivor, duplicate

    def get(self, request, *args, **kwargs):
        survivor, duplicate = self._records()
        for recipient in (survivor, duplicate):
            services.recipient_viewed(recipient=recipient, by=request.user, request=request, what="merge")
        return self.render_to_response(self._context(survivor, duplicate))

    def _context(self, survivor, duplicate) -> dict:
        why = selectors.reasons_text(pair_reasons(survivor, duplicate))
        return {"survivor": survivor, "duplicate": duplicate, "why": why}

    def post(self, request, *args, **kwargs):
        survivor, duplicate = self._records()
        try:
            services.recipient_merge(survivor=survivor, duplicate=duplicate, by=request.user, request=request)
        except services.MergeRefused as refused:
            messages.error(request, str(refused))
            return self.render_to_response(self._context(survivor, duplicate))
        messages.success(
            request, _("The two records are now one. The merge can be undone from the list of merges.")
        )
        return redirect("state:recipients.recipient", recipient_pk=survivor.pk)


class MergesView(StatePortalView, ListView):
    """The merges done, newest first, each with what it moved and a way to undo it."""

    template_name = "recipients/state_merges.html"
    paginate_by = 50
    paginator_class = BoundedPaginator
    context_object_name = "merges"

    def get_queryset(self):
        return selectors.merges()


class MergeUndoView(StatePortalView, View):
    """Undo a merge: the merged record comes back with everything it had."""

    http_method_names = ["post"]

    def post(self, request, merge_pk: int):
        merge = get_object_or_404(RecipientMerge, pk=merge_pk)
        try:
            restored = services.recipient_merge_undo(merge=merge, by=request.user, request=request)
        except services.MergeRefused as refused:
            messages.error(request, str(refused))
            return redirect("state:recipients.merges")
        messages.success(
            request,
            _("The merge is undone: %(name)s has their own record again, with everything it had.")
            % {"name": restored.full_name},
        )
        return redirect("state:recipients.recipient", recipient_pk=restored.pk)
