"""Possible duplicates, kept up to date as people register or change their details: the state's
page reads `DuplicateCandidate` rows instead of grouping every record on every view (issue 18).

A pair is a candidate when at least two of these agree: the name (without case, accents,
punctuation or spaces), the date of birth, a contact (the e-mail or the phone, counted only when
both records have one). Five people without an e-mail are not "the same e-mail"; two people of
one family sharing a phone are not a pair unless their name or date of birth agrees too.
"""

from django.db import connection, transaction
from django.db.models import Q

from recipients.models import DuplicateCandidate, Recipient, name_key, phone_key

# A person matching more records than this is shown with the first ones only (a pair is still
# found from the other side when that one changes).
MATCHES_PER_PERSON = 50
KEY_FIELDS = ["id", "name_key", "date_of_birth", "email_key", "phone_key"]


def pair_reasons(one: Recipient, other: Recipient) -> list[str]:
    """What agrees between two records: "name", "date_of_birth", "email", "phone"."""
    reasons = []
    if one.name_key and one.name_key == other.name_key:
        reasons.append("name")
    if one.date_of_birth == other.date_of_birth:
        reasons.append("date_of_birth")
    if one.email_key and one.email_key == other.email_key:
        reasons.append("email")
    if one.phone_key and one.phone_key == other.phone_key:
        reasons.append("phone")
    return reasons


def is_candidate(reasons: list[str]) -> bool:
    contact = "email" in reasons or "phone" in reasons
    return ("name" in reasons) + ("date_of_birth" in reasons) + contact >= 2


def _matching(person: Recipient):
    nothing = Q(pk__in=[])
    name = Q(name_key=person.name_key) if person.name_key else nothing
    born = Q(date_of_birth=person.date_of_birth)
    contact = nothing
    if person.email_key:
        contact |= Q(email_key=person.email_key)
    if person.phone_key:
        contact |= Q(phone_key=person.phone_key)
    return (
        Recipient.objects.exclude(pk=person.pk)
        .filter((name & born) | (name & contact) | (born & contact))
        .only(*KEY_FIELDS)
        .order_by("pk")[:MATCHES_PER_PERSON]
    )


@transaction.atomic
def duplicates_refresh(*, recipient_ids) -> int:
    """Find again the pairs of these people (after they registered or changed a detail): new
    pairs added, reasons brought up to date, pairs that no longer match removed. Returns how many
    pairs they are in now."""
    total = 0
    for person in Recipient.objects.filter(pk__in=list(recipient_ids)).only(*KEY_FIELDS):
        pairs = {}
        for other in _matching(person):
            reasons = pair_reasons(person, other)
            if is_candidate(reasons):
                pairs[other.pk] = reasons
        mine = DuplicateCandidate.objects.filter(Q(recipient=person) | Q(other=person))
        mine.exclude(Q(recipient_id__in=list(pairs)) | Q(other_id__in=list(pairs))).delete()
        DuplicateCandidate.objects.bulk_create(
            [
                DuplicateCandidate(
                    recipient_id=min(person.pk, other), other_id=max(person.pk, other), reasons=reasons
                )
                for other, reasons in pairs.items()
            ],
            update_conflicts=True,
            unique_fields=["recipient", "other"],
            update_fields=["reasons"],
        )
        total += len(pairs)
    return total


# Every pair in one statement, by equality joins the indexes serve (for `duplicates_rebuild`).
REBUILD_SQL = """
WITH pairs AS (
    SELECT a.id AS lo, b.id AS hi FROM recipients_recipient a
      JOIN recipients_recipient b
        ON b.name_key = a.name_key AND b.date_of_birth = a.date_of_birth AND b.id > a.id
     WHERE a.name_key <> ''
    UNION
    SELECT a.id, b.id FROM recipients_recipient a
      JOIN recipients_recipient b ON b.email_key = a.email_key AND b.id > a.id
     WHERE a.email_key <> '' AND (b.name_key = a.name_key OR b.date_of_birth = a.date_of_birth)
    UNION
    SELECT a.id, b.id FROM recipients_recipient a
      JOIN recipients_recipient b ON b.phone_key = a.phone_key AND b.id > a.id
     WHERE a.phone_key <> '' AND (b.name_key = a.name_key OR b.date_of_birth = a.date_of_birth)
)
INSERT INTO recipients_duplicatecandidate (recipient_id, other_id, reasons, found_at)
SELECT p.lo, p.hi, to_jsonb(array_remove(ARRAY[
           CASE WHEN a.name_key <> '' AND a.name_key = b.name_key THEN 'name' END,
           CASE WHEN a.date_of_birth = b.date_of_birth THEN 'date_of_birth' END,
           CASE WHEN a.email_key <> '' AND a.email_key = b.email_key THEN 'email' END,
           CASE WHEN a.phone_key <> '' AND a.phone_key = b.phone_key THEN 'phone' END
       ], NULL)), now()
  FROM pairs p
  JOIN recipients_recipient a ON a.id = p.lo
  JOIN recipients_recipient b ON b.id = p.hi
ON CONFLICT (recipient_id, other_id) DO UPDATE SET reasons = EXCLUDED.reasons
"""

KEYS_BATCH = 5000


def duplicates_rebuild() -> int:
    """Recompute every record's keys and every pair (after a bulk load that bypassed the
    services, such as a COPY): `manage.py duplicates_rebuild`. Returns the number of pairs."""
    last = 0
    while True:
        batch = list(
            Recipient.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("id", "first_name", "last_name", "email", "phone")[:KEYS_BATCH]
        )
        if not batch:
            break
        for person in batch:
            person.name_key = name_key(person.first_name, person.last_name)
            person.email_key = (person.email or "").strip().lower()
            person.phone_key = phone_key(person.phone)
        Recipient.objects.bulk_update(batch, ["name_key", "email_key", "phone_key"])
        last = batch[-1].pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DELETE FROM recipients_duplicatecandidate")
        cursor.execute(REBUILD_SQL)
    return DuplicateCandidate.objects.count()
