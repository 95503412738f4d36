"""Objects that helpdesk URLs point at (see tests/access_matrix.py)."""

from cvms.roles import Role
from tests.access_matrix import Owned
from tests.helpdesk.factories import (
    ArticleFactory,
    CaseAttachmentFactory,
    CaseFactory,
    RequesterProfileFactory,
    TeamFactory,
    TrainingSessionFactory,
)

HOME_REQUESTER_AND_TEAM = frozenset({(Role.HELPDESK_REQUESTER, "home"), (Role.HELPDESK_AGENT, "home")})
EVERYONE = frozenset((role, side) for role in Role for side in ("home", "other"))


def _home_case(personas):
    """A case of the home requester, in a team whose only agent is the home agent."""
    user = personas.home[Role.HELPDESK_REQUESTER]
    if not hasattr(user, "helpdesk_profile"):
        RequesterProfileFactory(user=user)
    return CaseFactory(requester=user, team=TeamFactory(members=[personas.home[Role.HELPDESK_AGENT]]))


def case(personas, portal):
    return Owned(_home_case(personas).pk, HOME_REQUESTER_AND_TEAM)


def attachment(personas, portal):
    return Owned(CaseAttachmentFactory(case=_home_case(personas)).pk, HOME_REQUESTER_AND_TEAM)


def requester(personas, portal):
    # Agents see the requesters who have a case in their queue.
    _home_case(personas)
    return Owned(personas.home[Role.HELPDESK_REQUESTER].pk, frozenset({(Role.HELPDESK_AGENT, "home")}))


BUILDERS = {
    "case_pk": case,
    "attachment_pk": attachment,
    "requester_pk": requester,
    # Articles and training sessions are shared by the whole helpdesk.
    "article_pk": lambda personas, portal: Owned(ArticleFactory().pk, EVERYONE),
    "session_pk": lambda personas, portal: Owned(TrainingSessionFactory().pk, EVERYONE),
    "guide_slug": lambda personas, portal: "provider",
}
