"""URLs of the helpdesk app, one list per portal (composed in cvms/urls.py). The views module
for everyone is imported as `everyone`: cvms/urls.py reads a module-level `public` list."""

from django.urls import path

from cvms.roles import Portal
from helpdesk.views import agent, requester
from helpdesk.views import public as everyone

portals = {
    Portal.HELPDESK: [
        # Everyone
        path("register/", everyone.RegisterView.as_view(), name="register"),
        path("kb/", everyone.ArticleListView.as_view(), name="kb"),
        path("kb/suggest/", everyone.ArticleSuggestView.as_view(), name="kb.suggest"),
        path("kb/<int:article_pk>/", everyone.ArticleDetailView.as_view(), name="kb.article"),
        path("guides/", everyone.GuideListView.as_view(), name="guides"),
        path("guides/<slug:guide_slug>/", everyone.GuideDetailView.as_view(), name="guide"),
        path("guides/<slug:guide_slug>/pdf/", everyone.GuidePdfView.as_view(), name="guide.pdf"),
        # Requesters
        path("password/", requester.PasswordSetView.as_view(), name="password.set"),
        path("cases/", requester.CaseListView.as_view(), name="cases"),
        path("cases/new/", requester.CaseCreateView.as_view(), name="case.new"),
        path("cases/<int:case_pk>/", requester.CaseDetailView.as_view(), name="case"),
        path("cases/<int:case_pk>/reply/", requester.CaseReplyView.as_view(), name="case.reply"),
        path("attachments/<int:attachment_pk>/", requester.AttachmentView.as_view(), name="attachment"),
        path("training/", requester.TrainingListView.as_view(), name="training"),
        path(
            "training/<int:session_pk>/signup/",
            requester.TrainingSignupView.as_view(),
            name="training.signup",
        ),
        # Agents
        path("queue/", agent.QueueView.as_view(), name="queue"),
        path("queue/<int:case_pk>/", agent.AgentCaseDetailView.as_view(), name="queue.case"),
        path("queue/<int:case_pk>/note/", agent.CaseNoteView.as_view(), name="queue.case.note"),
        path("queue/<int:case_pk>/status/", agent.CaseStatusView.as_view(), name="queue.case.status"),
        path("queue/<int:case_pk>/assign/", agent.CaseAssignView.as_view(), name="queue.case.assign"),
        path("queue/<int:case_pk>/resolve/", agent.CaseResolveView.as_view(), name="queue.case.resolve"),
        path("queue/<int:case_pk>/move/", agent.CaseMoveView.as_view(), name="queue.case.move"),
        path("requesters/<int:requester_pk>/", agent.RequesterDetailView.as_view(), name="requester"),
        path("kb/new/", agent.ArticleCreateView.as_view(), name="kb.new"),
        path("kb/<int:article_pk>/edit/", agent.ArticleEditView.as_view(), name="kb.edit"),
        path("training/new/", agent.TrainingCreateView.as_view(), name="training.new"),
    ]
}
