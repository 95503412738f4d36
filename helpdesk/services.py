"""Rules of the helpdesk that change data. Each writes its AuditEvent and a line of the case's
history; e-mails leave after the transaction commits (cvms.emails).

Over 450 lines: the helpdesk is one small app whose flows (requesters, cases, articles,
trainings) share the case history and its lock; a `services/` package is due when one grows.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.audit import audit
from cvms.emails import send_templated_email
from cvms.locking import lock_one
from cvms.models import User
from cvms.roles import Role
from cvms.services import role_grant, user_create
from cvms.sites import absolute_url
from enrollment.models import County, Location
from helpdesk import selectors
from helpdesk.enums import OPEN_STATUSES, CaseAction, Status
from helpdesk.models import (
    Article,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    RequesterProfile,
    Team,
    TrainingSession,
    TrainingSignup,
)


class HelpdeskError(Exception):
    """A refusal with a message for the person who asked."""


# --- Requesters ---------------------------------------------------------------------------------


def registration_code_check(code: str):
    """(normalized code, provider or None) for a valid code; HelpdeskError otherwise."""
    normalized = code.strip().upper()
    if normalized and normalized == settings.HELPDESK_GENERIC_CODE.strip().upper():
        return normalized, None
    provider = selectors.organization_by_pin(normalized) if normalized else None
    if provider is None:
        raise HelpdeskError(
            _("This registration code is not known. Use your provider PIN or the code the state gave you.")
        )
    return normalized, provider


@transaction.atomic
def requester_register(
    *, first_name: str, last_name: str, email: str, code: str, language: str, request=None
) -> User | None:
    """Create a requester's account and e-mail them a temporary password. The address counts as
    verified: the password only reaches whoever reads that mailbox.

    An address that already has an account gets an e-mail saying so (how to sign in or reset the
    password), and the caller is told nothing different: the same answer, after much the same
    work (a password is hashed either way), so the page can't be used to learn who is registered.
    Returns the new account, or None for an address already registered."""
    normalized, provider = registration_code_check(code)
    email = email.strip().lower()
    password = secrets.token_urlsafe(12)
    user = None
    if not User.objects.filter(email__iexact=email).exists():
        try:
            with transaction.atomic():
                user = user_create(
                    email=email,
                    password=password,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    language=language,
                    verified=True,
                )
        except IntegrityError:  # the same address registered at the same moment
            user = None
    if user is None:
        _already_registered(email=email, code=normalized, language=language, request=request)
        return None
    role_grant(user=user, role=Role.HELPDESK_REQUESTER)
    profile = RequesterProfile.objects.create(user=user, registration_code=normalized, organization=provider)
    audit(
        action="helpdesk.requester.registered",
        by=user,
        target=profile,
        request=request,
        data={"code": normalized, "organization": provider.pk if provider else None},
    )
    send_templated_email(
        to=user.email,
        template="helpdesk/registered",
        context={
            "name": user.get_short_name(),
            "username": user.email,
            "password": password,
            "organization": provider.name if provider else "",
            "login_url": absolute_url(reverse("account_login")),
        },
        language=user.language,
    )
    return user


def _already_registered(*, email: str, code: str, language: str, request=None) -> None:
    """The registration of an address that has an account: its owner is told by e-mail (not
    the person at the form, who may not be them), and the attempt is on the audit trail."""
    # The work a new account costs (hashing its password), so that the answer takes as long.
    make_password(secrets.token_urlsafe(12))
    account = User.objects.filter(email__iexact=email).first()
    audit(
        action="helpdesk.requester.registration_repeated",
        by=None,
        target=account,
        request=request,
        data={"code": code},
        actor_email=email,
    )
    send_templated_email(
        to=account.email if account else email,
        template="helpdesk/already_registered",
        context={
            "name": account.get_short_name() if account else "",
            "login_url": absolute_url(reverse("account_login")),
            "reset_url": absolute_url(reverse("account_reset_password")),
        },
        language=(account.language if account else "") or language,
    )


@transaction.atomic
def requester_password_set(*, user: User, password: str, request=None) -> None:
    """Replace the temporary password (validated like every password)."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    RequesterProfile.objects.filter(user=user).update(must_change_password=False)
    audit(action="helpdesk.requester.password_set", by=user, target=user, request=request)


# --- Cases --------------------------------------------------------------------------------------

DEFAULT_TEAM_NAME = "General support"


def team_default_ensure() -> Team:
    """The default team (created by migration; made again if a flushed database lost it)."""
    team = Team.objects.filter(is_default=True).first()
    if team is None:
        team, _ = Team.objects.update_or_create(name=DEFAULT_TEAM_NAME, defaults={"is_default": True})
    return team


def _event(case: Case, action: CaseAction, by: User | None, detail: str = "") -> None:
    CaseEvent.objects.create(case=case, actor=by, action=action, detail=detail[:300])


def _locked(case: Case, version: int | None) -> Case:
    """Re-read the case under a row lock; refuse if it changed since the page showed it."""
    locked = lock_one(Case.objects.all(), pk=case.pk)
    if version is not None and locked.version != version:
        raise HelpdeskError(_("Someone changed this case meanwhile. Look at it again and retry."))
    return locked


def _touch(case: Case, fields: list[str]) -> None:
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def _attach(case: Case, uploads, by: User) -> None:
    for upload, content_type in uploads:
        attachment = CaseAttachment(
            case=case,
            original_name=(upload.name or "file")[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
        _event(case, CaseAction.ATTACHED, by, attachment.original_name)


@transaction.atomic
def case_file(
    *,
    requester: User,
    category: str,
    priority: str,
    subject: str,
    description: str,
    location: Location | None = None,
    county: County | None = None,
    organization_name: str = "",
    attachments=(),
    request=None,
) -> Case:
    """File a case for `requester` and route it. `attachments` are (upload, content type) pairs
    already checked by helpdesk.files. The organization is the provider they registered for."""
    profile = selectors.requester_profile(requester)
    organization = profile.organization if profile else None
    if location is not None and (organization is None or location.organization_id != organization.pk):
        raise HelpdeskError(_("Choose one of your organization's locations."))
    county = location.county if location is not None else county
    team = (
        selectors.route_team(
            category=category,
            county_id=county.pk if county else None,
            organization_kind=organization.kind if organization else None,
        )
        or team_default_ensure()
    )
    case = Case.objects.create(
        requester=requester,
        category=category,
        priority=priority,
        subject=subject,
        description=description,
        organization=organization,
        organization_name=organization_name or (organization.name if organization else ""),
        location=location,
        county=county,
        team=team,
    )
    _event(case, CaseAction.CREATED, requester)
    _event(case, CaseAction.ROUTED, None, team.name)
    _attach(case, attachments, requester)
    audit(
        action="helpdesk.case.filed",
        by=requester,
        target=case,
        request=request,
        data={"category": category, "team": team.name},
    )
    return case


@transaction.atomic
def case_assign(*, case: Case, assignee: User | None, by: User, version: int | None = None) -> Case:
    case = _locked(case, version)
    if assignee is not None and not case.team.members.filter(pk=assignee.pk).exists():
        raise HelpdeskError(_("Only a member of the case's team can be assigned."))
    case.assignee = assignee
    _touch(case, ["assignee"])
    _event(case, CaseAction.ASSIGNED, by, assignee.get_full_name() if assignee else _("nobody"))
    audit(
        action="helpdesk.case.assigned",
        by=by,
        target=case,
        data={"assignee": assignee.email if assignee else None},
    )
    return case


@transaction.atomic
def case_move(*, case: Case, team: Team, by: User, version: int | None = None, request=None) -> Case:
    """Hand a case to another team's queue (routing got it wrong, or it needs other skills).
    Its assignee stays only if they are in the new team."""
    case = _locked(case, version)
    if team.pk == case.team_id:
        raise HelpdeskError(_("The case is already in this team's queue."))
    old_team = case.team
    case.team = team
    if case.assignee_id is not None and not team.members.filter(pk=case.assignee_id).exists():
        case.assignee = None
    _touch(case, ["team", "assignee"])
    _event(case, CaseAction.MOVED, by, f"{old_team.name} → {team.name}")
    audit(
        action="helpdesk.case.moved",
        by=by,
        target=case,
        request=request,
        data={"from": old_team.name, "to": team.name},
    )
    return case


@transaction.atomic
def case_status_change(*, case: Case, status: str, by: User, version: int | None = None) -> Case:
    """Move a case between statuses; resolving goes through case_resolve (it needs a note)."""
    if status == Status.RESOLVED:
        raise HelpdeskError(_("Resolve the case with a note for the requester."))
    case = _locked(case, version)
    old = case.status
    if old == status:
        return case
    case.status = status
    if status in OPEN_STATUSES:
        case.resolved_at = None
    _touch(case, ["status", "resolved_at"])
    _event(case, CaseAction.STATUS, by, f"{Status(old).label} → {Status(status).label}")
    audit(action="helpdesk.case.status_changed", by=by, target=case, data={"from": old, "to": status})
    return case


@transaction.atomic
def case_note_add(*, case: Case, body: str, is_internal: bool, by: User) -> CaseNote:
    case = _locked(case, None)
    note = CaseNote.objects.create(case=case, author=by, body=body, is_internal=is_internal)
    if case.status == Status.NEW:
        case.status = Status.IN_PROGRESS
    _touch(case, ["status"])
    _event(case, CaseAction.NOTE, by, _("internal") if is_internal else _("visible to the requester"))
    audit(action="helpdesk.case.note_added", by=by, target=case, data={"internal": is_internal})
    return note


@transaction.atomic
def case_resolve(*, case: Case, note: str, by: User, version: int | None = None, request=None) -> Case:
    """Resolve with a note for the requester, and e-mail them the notes meant for them."""
    case = _locked(case, version)
    if case.status in (Status.RESOLVED, Status.CLOSED):
        raise HelpdeskError(_("This case is already resolved or closed."))
    if not note.strip():
        raise HelpdeskError(_("Write a note for the requester."))
    CaseNote.objects.create(case=case, author=by, body=note, is_internal=False)
    case.status = Status.RESOLVED
    case.resolved_at = timezone.now()
    _touch(case, ["status", "resolved_at"])
    _event(case, CaseAction.RESOLVED, by)
    audit(action="helpdesk.case.resolved", by=by, target=case, request=request)
    requester = case.requester
    notes = case.notes.filter(is_internal=False).exclude(author=requester).order_by("created_at", "id")
    send_templated_email(
        to=requester.email,
        template="helpdesk/case_resolved",
        context={
            "name": requester.get_short_name(),
            "reference": case.reference,
            "subject": case.subject,
            "notes": [item.body for item in notes],
            "reopen_days": settings.HELPDESK_REOPEN_DAYS,
            "case_url": absolute_url(reverse("help:case", kwargs={"case_pk": case.pk})),
        },
        language=requester.language,
    )
    return case


def reopen_deadline(case: Case):
    return case.resolved_at + timedelta(days=settings.HELPDESK_REOPEN_DAYS) if case.resolved_at else None


@transaction.atomic
def case_reply(*, case: Case, body: str, by: User, attachments=(), request=None) -> Case:
    """The requester answers on their case. A reply to a resolved case reopens it within the
    reopening period; a closed case, or one resolved longer ago, takes a new case instead."""
    case = _locked(case, None)
    if case.requester_id != by.pk:
        raise HelpdeskError(_("Only the requester can reply here."))
    if case.status == Status.CLOSED or (
        case.status == Status.RESOLVED and timezone.now() > reopen_deadline(case)
    ):
        raise HelpdeskError(
            _("This case can no longer be reopened (%(days)s days have passed). Please file a new case.")
            % {"days": settings.HELPDESK_REOPEN_DAYS}
        )
    CaseNote.objects.create(case=case, author=by, body=body, is_internal=False)
    _attach(case, attachments, by)
    fields = ["status"]
    if case.status == Status.RESOLVED:
        case.status = Status.IN_PROGRESS
        case.resolved_at = None
        fields.append("resolved_at")
        _event(case, CaseAction.REOPENED, by)
        audit(action="helpdesk.case.reopened", by=by, target=case, request=request)
    else:
        if case.status == Status.WAITING:
            case.status = Status.IN_PROGRESS
        _event(case, CaseAction.REPLIED, by)
        audit(action="helpdesk.case.replied", by=by, target=case, request=request)
    _touch(case, fields)
    return case


# --- Knowledge base ------------------------------------------------------------------------------


@transaction.atomic
def article_save(
    *,
    article: Article | None,
    title: str,
    body: str,
    category: str,
    language: str,
    is_published: bool,
    by,
    translation_of: Article | None = None,
) -> Article:
    created = article is None
    if created:
        article = Article(author=by)
    article.title, article.body, article.category = title, body, category
    article.language, article.is_published = language, is_published
    article.translation_of = translation_of
    article.updated_at = timezone.now()
    article.save()
    audit(action=f"helpdesk.article.{'created' if created else 'updated'}", by=by, target=article)
    return article


# --- Training sessions ---------------------------------------------------------------------------


@transaction.atomic
def training_publish(*, topic: str, starts_at, duration_minutes: int, join_info: str, by: User):
    if starts_at <= timezone.now():
        raise HelpdeskError(_("A training session must start in the future."))
    session = TrainingSession.objects.create(
        topic=topic,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        join_info=join_info,
        published_by=by,
    )
    audit(action="helpdesk.training.published", by=by, target=session)
    return session


@transaction.atomic
def training_signup(*, session: TrainingSession, by: User) -> TrainingSignup:
    if session.starts_at <= timezone.now():
        raise HelpdeskError(_("This session has already started."))
    signup, created = TrainingSignup.objects.get_or_create(session=session, user=by)
    if created:
        audit(action="helpdesk.training.signed_up", by=by, target=session)
    return signup


def training_reminders_send(*, now=None) -> int:
    """E-mail everyone signed up for a session that starts tomorrow (local date). Each signup is
    claimed with a conditional UPDATE first, so a retried or doubled run never mails twice."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    pending = TrainingSignup.objects.filter(
        session__starts_at__date=tomorrow, reminder_sent_at__isnull=True
    ).select_related("session", "user")
    sent = 0
    for signup in pending:
        with transaction.atomic():
            claimed = TrainingSignup.objects.filter(pk=signup.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if not claimed:
                continue
            session, user = signup.session, signup.user
            send_templated_email(
                to=user.email,
                template="helpdesk/training_reminder",
                context={
                    "name": user.get_short_name(),
                    "topic": session.topic,
                    "starts_at": session.starts_at,
                    "duration": session.duration_minutes,
                    "join_info": session.join_info,
                },
                language=user.language,
            )
            audit(action="helpdesk.training.reminded", by=None, target=signup, data={"user": user.email})
            sent += 1
    return sent
