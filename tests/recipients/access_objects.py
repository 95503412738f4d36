"""Objects that recipients' URLs point at (see tests/access_matrix.py)."""

from cvms.roles import Role
from enrollment.models import PriorityGroup
from tests.access_matrix import Owned
from tests.recipients.factories import RecipientFactory, RecipientMergeFactory

STATE_OFFICIALS = frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")})


def priority_group(personas, portal):
    # Priority groups are the state's: every state official may act on them.
    return Owned(PriorityGroup.objects.order_by("position").first().pk, STATE_OFFICIALS)


def recipient(personas, portal):
    return Owned(RecipientFactory(user=None, email="someone@example.org").pk, STATE_OFFICIALS)


def duplicate(personas, portal):
    return Owned(RecipientFactory(user=None, email="someone@example.org").pk, STATE_OFFICIALS)


def merge(personas, portal):
    # A merge of two people, for the state to undo.
    return Owned(RecipientMergeFactory().pk, STATE_OFFICIALS)


BUILDERS = {
    "priority_group_pk": priority_group,
    "recipient_pk": recipient,
    "duplicate_pk": duplicate,
    "merge_pk": merge,
}
