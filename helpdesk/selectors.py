"""Reads of the helpdesk, scoped to who asks."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cvms.inputs import id_or_none
from cvms.models import User
from enrollment.enums import OrganizationKind, OrganizationStatus
from enrollment.models import Location, Organization
from helpdesk.enums import ANY_OPEN, OPEN_STATUSES
from helpdesk.models import Article, Case, RequesterProfile, RoutingRule, Team


def organization_by_pin(pin: str) -> Organization | None:
    """The approved provider whose PIN is `pin` (PINs are upper case; people type either)."""
    return Organization.objects.filter(
        pin=pin.strip().upper(), kind=OrganizationKind.PROVIDER, status=OrganizationStatus.APPROVED
    ).first()


def requester_profile(user: User) -> RequesterProfile | None:
    return RequesterProfile.objects.filter(user=user).select_related("organization").first()


def requester_locations(user: User) -> QuerySet[Location]:
    """The locations a requester may name on a case: those of the provider they registered for."""
    return Location.objects.filter(
        organization__helpdesk_requesters__user=user, organization__status=OrganizationStatus.APPROVED
    ).select_related("county")


def route_team(*, category: str, county_id: str | None, organization_kind: str | None) -> Team | None:
    """The team of the most specific rule matching the case (county and organization type count
    when the rule sets them; county weighs more), else the default team (None if it is gone)."""
    candidates = RoutingRule.objects.filter(category=category).select_related("team")
    matching = [
        rule
        for rule in candidates
        if (rule.county_id is None or rule.county_id == county_id)
        and (not rule.organization_kind or rule.organization_kind == organization_kind)
    ]
    if matching:
        return min(matching, key=lambda rule: (-rule.specificity, rule.position, rule.pk)).team
    return Team.objects.filter(is_default=True).first()


def requester_cases(user: User) -> QuerySet[Case]:
    return Case.objects.filter(requester=user).select_related("team")


def agent_cases(user: User) -> QuerySet[Case]:
    """Cases in the queues of the agent's teams: the only ones they may open or change."""
    return Case.objects.filter(team__members=user)


def visible_cases(user: User) -> QuerySet[Case]:
    """Cases `user` may see: their own, and their teams' ones."""
    return Case.objects.filter(Q(requester=user) | Q(team__members=user)).distinct()


AGES = {"1": 1, "3": 3, "7": 7, "30": 30}


def agent_queue(
    user: User,
    *,
    status: str = "",
    priority: str = "",
    older_than_days: str = "",
    search: str = "",
    team_id: int | None = None,
) -> QuerySet[Case]:
    cases = agent_cases(user).select_related("team", "assignee", "requester", "organization")
    if team_id:
        cases = cases.filter(team_id=team_id)
    if status == ANY_OPEN:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if priority:
        cases = cases.filter(priority=priority)
    if older_than_days in AGES:
        cases = cases.filter(created_at__lte=timezone.now() - timedelta(days=AGES[older_than_days]))
    search = search.strip()
    if search:
        condition = (
            Q(subject__icontains=search)
            | Q(description__icontains=search)
            | Q(requester__email__icontains=search)
            | Q(organization__name__icontains=search)
            | Q(organization__pin__iexact=search)
        )
        if (number := id_or_none(search.lstrip("#"))) is not None:
            condition |= Q(pk=number)
        cases = cases.filter(condition)
    return cases.order_by("-created_at", "-id")


def agent_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(members=user).annotate(
        open_cases=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES))
    )


def team_colleagues(case: Case) -> QuerySet[User]:
    return case.team.members.filter(is_active=True).order_by("first_name", "last_name", "email")


def requesters_for_agent(user: User) -> QuerySet[User]:
    """Requesters who have a case in one of the agent's queues."""
    return User.objects.filter(helpdesk_cases__team__members=user).distinct()


def articles_for_reader(language: str) -> QuerySet[Article]:
    """Published articles as a reader of `language` sees them: of each article, its version in
    that language, or the original when there is none yet (shown in its own language)."""
    translated = Article.objects.filter(translation_of=OuterRef("pk"), language=language, is_published=True)
    return Article.objects.filter(is_published=True).filter(
        Q(language=language) | (Q(translation_of__isnull=True) & ~Exists(translated))
    )


def article_version_for(article: Article, language: str) -> Article:
    """The published version of `article` in `language`: a translation of it, its original, or
    another translation of its original; the article itself when there is none."""
    if article.language == language:
        return article
    original_id = article.translation_of_id or article.pk
    found = (
        Article.objects.filter(is_published=True, language=language)
        .filter(Q(pk=original_id) | Q(translation_of_id=original_id))
        .first()
    )
    return found or article


def article_search(query: str = "", *, language: str = "", category: str = "") -> QuerySet[Article]:
    """Published articles whose title or body hold every word of `query`; with `language`, as a
    reader of that language sees them (`articles_for_reader`)."""
    articles = articles_for_reader(language) if language else Article.objects.filter(is_published=True)
    if category:
        articles = articles.filter(category=category)
    for word in query.split()[:8]:
        articles = articles.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return articles.order_by("title", "id")


def article_suggestions(subject: str, *, limit: int = 5, language: str = "") -> list[Article]:
    """Articles that share words with a case's subject, those matching the most words first
    (the intake form shows them before the case is filed); with `language`, as a reader of that
    language sees them."""
    words = [word for word in subject.lower().split() if len(word) > 3][:8]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word) | Q(body__icontains=word)
    articles = articles_for_reader(language) if language else Article.objects.filter(is_published=True)
    found = list(articles.filter(condition).order_by("title")[:50])

    def score(article):
        text = f"{article.title} {article.title} {article.body}".lower()
        return sum(text.count(word) > 0 for word in words) + sum(
            word in article.title.lower() for word in words
        )

    return sorted(found, key=score, reverse=True)[:limit]
