"""URLs of the recipients app, one list per portal (composed in cvms/urls.py)."""

from django.urls import path

from cvms.roles import Portal
from recipients.views import recipient, state

portals: dict = {
    Portal.RECIPIENT: [
        path("register/", recipient.RegisterView.as_view(), name="recipients.register"),
        path("register/self/", recipient.SelfRegisterView.as_view(), name="recipients.self_register"),
        path("details/", recipient.ProfileView.as_view(), name="recipients.profile"),
    ],
    Portal.STATE: [
        path("groups/", state.GroupsView.as_view(), name="recipients.groups"),
        path(
            "groups/<int:priority_group_pk>/open/",
            state.GroupOpenView.as_view(),
            name="recipients.group.open",
        ),
        path(
            "groups/<int:priority_group_pk>/close/",
            state.GroupCloseView.as_view(),
            name="recipients.group.close",
        ),
        path(
            "groups/<int:priority_group_pk>/schedule/",
            state.GroupScheduleView.as_view(),
            name="recipients.group.schedule",
        ),
        path("self-registration/", state.SelfRegistrationView.as_view(), name="recipients.self_registration"),
        path("recipients/", state.RecipientsView.as_view(), name="recipients.list"),
        path("recipients/duplicates/", state.DuplicatesView.as_view(), name="recipients.duplicates"),
        path(
            "recipients/<int:recipient_pk>/", state.RecipientDetailView.as_view(), name="recipients.recipient"
        ),
        path(
            "recipients/<int:recipient_pk>/merge/<int:duplicate_pk>/",
            state.MergeView.as_view(),
            name="recipients.merge",
        ),
        path("recipients/merges/", state.MergesView.as_view(), name="recipients.merges"),
        path(
            "recipients/merges/<int:merge_pk>/undo/",
            state.MergeUndoView.as_view(),
            name="recipients.merge.undo",
        ),
    ],
}
