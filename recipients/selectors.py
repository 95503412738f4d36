"""Reads of recipients, for this app's views and for administration (booking, the record)."""

import re
from datetime import date

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.models import User
from enrollment.enums import GroupAttestation
from enrollment.models import PriorityGroup
from recipients.models import (
    DuplicateCandidate,
    Recipient,
    RecipientMerge,
    RegistrationSettings,
    ScreeningQuestion,
    age_fits,
    age_on,
)

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def recipient_for_user(user: User) -> Recipient | None:
    """The signed-in person's own record, or None if they haven't registered."""
    if not user.is_authenticated:
        return None
    return Recipient.objects.select_related("priority_group", "county").filter(user=user).first()


def registration_settings() -> RegistrationSettings:
    settings, _created = RegistrationSettings.objects.get_or_create(pk=1)
    return settings


def self_registration_open() -> bool:
    return registration_settings().self_registration_open


def screening_questions() -> QuerySet[ScreeningQuestion]:
    return ScreeningQuestion.objects.filter(is_active=True)


def priority_groups() -> QuerySet[PriorityGroup]:
    return PriorityGroup.objects.order_by("position", "code")


def group_age_refusal(group: PriorityGroup, *, date_of_birth: date, on: date | None = None) -> str | None:
    """Why a person born on `date_of_birth` doesn't belong to `group` by its age range, or None
    when they do (their age on `on`, today by default)."""
    age = age_on(date_of_birth, on or timezone.localdate())
    if age_fits(group, age):
        return None
    names = {"code": group.code, "min": group.min_age, "max": group.max_age, "age": age}
    if group.min_age is not None and group.max_age is not None:
        rule = _("Group %(code)s is for people aged %(min)s to %(max)s") % names
    elif group.min_age is not None:
        rule = _("Group %(code)s is for people aged %(min)s or older") % names
    else:
        rule = _("Group %(code)s is for people aged %(max)s or younger") % names
    return _("%(rule)s; by the date of birth given you are %(age)s.") % {"rule": rule, "age": age}


ATTESTATION_WAYS = {
    GroupAttestation.OCCUPATION: lambda: _("by my occupation"),
    GroupAttestation.CONDITION: lambda: _("by a high-risk medical condition or a group setting I live in"),
    GroupAttestation.SETTING: lambda: _("by where I live or work"),
}


def attestation_statement(group: PriorityGroup) -> str:
    """The sentence a person agrees to when they choose a group their age doesn't prove, in the
    active language ("" for a group the date of birth decides)."""
    way = ATTESTATION_WAYS.get(group.attestation)
    if way is None:
        return ""
    return _("I confirm that I belong to Group %(code)s (%(label)s) %(way)s.") % {
        "code": group.code,
        "label": group.display_label,
        "way": way(),
    }


def eligibility(recipient: Recipient) -> dict:
    """What the recipient pages say about eligibility, plainly: {"eligible": bool, "message"}."""
    group = recipient.priority_group
    if group is not None and (refusal := group_age_refusal(group, date_of_birth=recipient.date_of_birth)):
        return {
            "eligible": False,
            "wrong_group": True,
            "message": _(
                "You are not eligible in this group: %(refusal)s Choose the group that describes you."
            )
            % {"refusal": refusal},
        }
    if group is None:
        return {
            "eligible": False,
            "message": _(
                "We don't know your priority group yet. Tell us which group describes you on your "
                "details page, or wait for an invitation from your employer or care provider."
            ),
        }
    if group.is_open:
        return {
            "eligible": True,
            "message": _("You are eligible now: Group %(code)s (%(label)s) is open for booking.")
            % {"code": group.code, "label": group.display_label},
        }
    return {
        "eligible": False,
        "message": _(
            "You are not eligible yet: Group %(code)s (%(label)s) is not open for booking. Come back "
            "to this page: it says when the group opens."
        )
        % {"code": group.code, "label": group.display_label},
    }


# Words this long are found through the trigram index (recipients migration 0011).
TRIGRAM = 3


LISTED = ("first_name", "last_name", "date_of_birth", "county__name", "priority_group__code")


def recipients_search(*, query: str = "") -> QuerySet[Recipient]:
    """State officials' search by name, e-mail or date of birth (YYYY-MM-DD), with only the
    columns the list shows (a person's row holds some forty)."""
    found = Recipient.objects.select_related("county", "priority_group").only(*LISTED)
    words = query.split()[:5]
    for word in words:
        condition = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        if (born := _date_or_none(word)) is not None:
            condition |= Q(date_of_birth=born)
        found = found.filter(condition)
    if any(len(word) >= TRIGRAM for word in words):
        # The trigram index finds the matches; sorting them by an order no index holds keeps
        # PostgreSQL from walking the whole list in name order instead, testing each person
        # against the words (10 s for a common surname late in the alphabet over a million).
        return found.order_by(Upper("last_name"), Upper("first_name"), "id")
    return found.order_by("last_name", "first_name", "id")


def _date_or_none(word: str) -> date | None:
    """A date written YYYY-MM-DD in ASCII digits that exists (not 9999-99-99), else None."""
    if not ISO_DATE.fullmatch(word):
        return None
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


REASON_LABELS = {
    "name": lambda: _("the same name (ignoring case, accents, punctuation and spaces)"),
    "date_of_birth": lambda: _("the same date of birth"),
    "email": lambda: _("the same e-mail address"),
    "phone": lambda: _("the same phone number"),
}


def reasons_text(reasons: list[str]) -> str:
    """Why two records were matched, in words: "the same name ... and the same date of birth"."""
    words = [REASON_LABELS[code]() for code in reasons if code in REASON_LABELS]
    if len(words) < 2:
        return "".join(words)
    return _("%(some)s and %(last)s") % {"some": ", ".join(words[:-1]), "last": words[-1]}


def duplicate_pairs() -> QuerySet[DuplicateCandidate]:
    """Possible duplicates, newest first, with both records (one query per page): the pairs are
    kept up to date as people register or change (recipients' services/duplicates.py)."""
    return DuplicateCandidate.objects.select_related(
        "recipient__county", "other__county", "recipient__priority_group", "other__priority_group"
    ).order_by("-found_at", "-id")


def merges() -> QuerySet[RecipientMerge]:
    return RecipientMerge.objects.select_related("merged_by", "undone_by").order_by("-merged_at", "-id")


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()
