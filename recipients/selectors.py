"""Reads of recipients, for this app's views and for administration (booking, the record)."""

import re
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from cvms.models import User
from enrollment.enums import GroupAttestation
from enrollment.models import PriorityGroup
from recipients.models import Recipient, RegistrationSettings, ScreeningQuestion, age_fits, age_on

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


def recipients_search(*, query: str = "") -> QuerySet[Recipient]:
    """State officials' search by name, e-mail or date of birth (YYYY-MM-DD)."""
    found = Recipient.objects.select_related("county", "priority_group")
    for word in query.split()[:5]:
        condition = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        if (born := _date_or_none(word)) is not None:
            condition |= Q(date_of_birth=born)
        found = found.filter(condition)
    return found.order_by("last_name", "first_name", "id")


def _date_or_none(word: str) -> date | None:
    """A date written YYYY-MM-DD in ASCII digits that exists (not 9999-99-99), else None."""
    if not ISO_DATE.fullmatch(word):
        return None
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


def duplicate_candidates() -> list[dict]:
    """Possible duplicates: records sharing a name and date of birth, or an e-mail address.

    Two grouped queries find the shared keys, one more reads the records of those keys (so the
    cost doesn't grow with the number of pairs). Returns [{"reason", "records": [Recipient]}].
    """
    by_name = (
        Recipient.objects.annotate(first=Lower("first_name"), last=Lower("last_name"))
        .values("first", "last", "date_of_birth")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("last", "first", "date_of_birth")[:200]
    )
    by_email = (
        Recipient.objects.annotate(mail=Lower("email"))
        .values("mail")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("mail")[:200]
    )
    name_keys = [(row["first"], row["last"], row["date_of_birth"]) for row in by_name]
    mail_keys = [row["mail"] for row in by_email]
    if not name_keys and not mail_keys:
        return []
    condition = Q(pk__in=[])
    for first, last, dob in name_keys:
        condition |= Q(first_name__iexact=first, last_name__iexact=last, date_of_birth=dob)
    for mail in mail_keys:
        condition |= Q(email__iexact=mail)
    records = list(Recipient.objects.filter(condition).order_by("created_at", "id"))
    groups = []
    for first, last, dob in name_keys:
        members = [
            r
            for r in records
            if (r.first_name.lower(), r.last_name.lower(), r.date_of_birth) == (first, last, dob)
        ]
        groups.append({"reason": _("Same name and date of birth"), "records": members})
    for mail in mail_keys:
        members = [r for r in records if r.email.lower() == mail]
        groups.append({"reason": _("Same e-mail address"), "records": members})
    return groups


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()
