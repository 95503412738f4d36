"""Back-filling paper forms, one at a time (the screen) or many at once (a CSV of the same fields).

Both read the same text values, keyed by `offline.fields.FIELDS`, so a form is parsed one way
whichever way it came in. A form number is claimed first (its `OfflineForm` row, inserted or
found, then locked), so two people entering the same form at the same moment take turns: the
second finds the first's record and gets "duplicate", never a second dose or a second new person.
The unique form number on `AdministrationRecord` is the last guard.

The CSV runs synchronously, each line in its own transaction, with a report line per form: a
clinic day's stack of forms (at most `MAX_CSV_LINES`) takes seconds, and the person uploading
sees at once which forms were recorded, which were already in, and what is wrong with the rest.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from administration.enums import BackfillLineStatus, RecordSource, RefusalReason, Route, Site
from administration.models import AdministrationRecord, OfflineForm
from administration.offline.fields import FIELD_KEYS, FIELDS, REFUSAL_WORDS
from administration.offline.numbers import InvalidFormNumber, form_number_display, form_number_parse
from administration.reporting.cvrs import US_STATES
from administration.services import recording
from cvms.models import Membership, User
from enrollment.interface import counties_for_zip
from enrollment.models import County, Location
from inventory.interface import lot_find
from inventory.models import Product
from recipients.enums import Ethnicity, Race, Sex, YesNoUnknown
from recipients.interface import recipient_create_by_staff
from recipients.models import Recipient, name_key

MAX_CSV_LINES = 1000
ROUTES = {"IM": Route.INTRAMUSCULAR, "SC": Route.SUBCUTANEOUS, "ID": Route.INTRADERMAL, "IN": Route.NASAL}
ROUTES |= {"PO": Route.ORAL} | {code: code for code in Route.values}
YES = {"YES", "Y", "TRUE", "1", "X"}
NO = {"NO", "N", "FALSE", "0", ""}
US_ZIP = re.compile(r"^[0-9]{5}(-?[0-9]{4})?$")


class BackfillError(Exception):
    """A form that can't be recorded: `problems` names each field and what is wrong with it."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__(
            "; ".join(f"{field}: {message}" if field else message for field, message in problems)
        )


@dataclass(frozen=True)
class PaperForm:
    """One paper form's values, checked and typed."""

    form_number: str
    person: dict
    administered_at: datetime
    refused: bool
    refusal_reason: str
    product: Product
    lot: object | None
    dose_number: int | None
    route: str
    site: str
    volume_ml: Decimal | None
    vaccinator_email: str


@dataclass(frozen=True)
class BackfillOutcome:
    record: AdministrationRecord
    duplicate: bool  # the form was already recorded: nothing was changed
    new_recipient: bool = False


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def paper_form_parse(row: dict) -> PaperForm:
    """Check one form's values (text, as written on paper); raise BackfillError naming each
    field that is wrong."""
    problems: list[tuple[str, str]] = []
    value = {key: _text(row, key) for key in FIELD_KEYS}
    refused = value["refused"].upper() in YES
    for field in FIELDS:
        needed = field.required or (not refused and field.key in ("lot_number", "dose_number"))
        if needed and not value[field.key]:
            problems.append((field.key, _("is required")))

    def check(key, convert, message):
        if not value[key]:
            return None
        try:
            return convert(value[key])
        except (ValueError, InvalidOperation, KeyError, InvalidFormNumber, ObjectDoesNotExist):
            problems.append((key, message))
            return None

    number = check("form_number", form_number_parse, _("is not a valid form number (check it for a typo)"))
    date_of_birth = check("date_of_birth", date.fromisoformat, _("must be a date YYYY-MM-DD"))
    given_on = check("administered_on", date.fromisoformat, _("must be a date YYYY-MM-DD"))
    given_time = check("administered_at_time", time.fromisoformat, _("must be a time HH:MM")) or time(12, 0)
    sex = check("sex", lambda v: Sex(v.upper()).value, _("must be F, M or U"))
    races = check(
        "races",
        lambda v: [
            Race(code.strip().upper()).value for code in v.replace(",", ";").split(";") if code.strip()
        ],
        _("must be race codes separated by ;"),
    )
    ethnicity = check(
        "ethnicity", lambda v: Ethnicity(v.upper()).value, _("must be 2135-2, 2186-5, UNK or POL")
    )
    comorbidity = check("comorbidity", lambda v: YesNoUnknown(v.upper()).value, _("must be YES, NO or UNK"))
    if value["refused"].upper() not in YES | NO:
        problems.append(("refused", _("must be YES or NO")))
    reason = check(
        "refusal_reason",
        refusal_reason_code,
        _("must be one of: patient decision, parental decision, religious exemption, other"),
    )
    product = check("ndc", lambda v: Product.objects.get(ndc=v), _("is not the NDC of a vaccine we know"))
    lot = None
    if not refused and value["lot_number"] and product is not None:
        lot = lot_find(number=value["lot_number"])
        if lot is None or lot.product_id != product.pk:
            problems.append(("lot_number", _("is not a lot of this vaccine")))
    dose_number = check("dose_number", lambda v: _in_range(int(v), 1, 6), _("must be 1 to 6"))
    route = check("route", lambda v: ROUTES[v.upper()], _("must be IM, SC, ID, IN or PO"))
    site = check("site", lambda v: Site(v.upper()).value, _("must be LD, RD, LA, RA, LT, RT, LVL or RVL"))
    volume = check(
        "volume_ml",
        lambda v: _in_range(Decimal(v), Decimal("0.01"), Decimal("9.99")),
        _("must be mL, e.g. 0.3"),
    )
    country, county = _address_check(value, problems)
    if problems:
        raise BackfillError(problems)
    person = {
        "first_name": value["first_name"],
        "middle_name": value["middle_name"],
        "last_name": value["last_name"],
        "date_of_birth": date_of_birth,
        "sex": sex,
        "races": races or [Race.UNKNOWN.value],
        "ethnicity": ethnicity or Ethnicity.UNKNOWN.value,
        "street": value["street"],
        "street_2": value["street_2"],
        "city": value["city"],
        "state": value["state"].upper() if country == "US" else value["state"][:50],
        "zip_code": value["zip_code"][:10],
        "country": country,
        "county": county,
        "phone": value["phone"],
        "email": value["email"],
        "comorbidity": comorbidity or YesNoUnknown.UNKNOWN.value,
    }
    return PaperForm(
        form_number=number,
        person=person,
        administered_at=timezone.make_aware(datetime.combine(given_on, given_time)),
        refused=refused,
        refusal_reason=reason or RefusalReason.PATIENT_DECISION.value,
        product=product,
        lot=lot,
        dose_number=None if refused else dose_number,
        route=route or "",
        site=site or "",
        volume_ml=volume,
        vaccinator_email=value["vaccinator_email"],
    )


def _words(text: str) -> str:
    """Text compared without case, accents or extra spaces ("Decisión  del paciente")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _refusal_words() -> dict[str, str]:
    """Every way a refusal reason may be written: the words in English and Spanish, and the
    NIP002 code (files written before the words)."""
    words = {_words(word): reason.value for word, reason in REFUSAL_WORDS.items()}
    for language in ("en", "es"):
        with translation.override(language):
            words |= {_words(str(reason.label)): reason.value for reason in RefusalReason}
    return words | {reason.value: reason.value for reason in RefusalReason}


def refusal_reason_code(text: str) -> str:
    """The NIP002 code of a refusal reason written in words (KeyError when it isn't one)."""
    return _refusal_words()[_words(text)]


UNITED_STATES = {"", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA", "ESTADOS UNIDOS"}


def _address_check(value: dict, problems: list[tuple[str, str]]) -> tuple[str, County | None]:
    """The country (ISO alpha-2, "US" when blank) and, in the US, the county found from the ZIP
    code (when it touches one county). A US address needs a state code and a ZIP code; an
    address abroad is taken as written, its province and postal code optional."""
    written = _words(value["country"]).upper()
    if written in UNITED_STATES:
        country = "US"
    elif len(written) == 2 and written.isascii() and written.isalpha():
        country = written
    else:
        problems.append(
            ("country", _("must be a 2-letter country code, e.g. MX or CA (blank: United States)"))
        )
        return "", None
    if country != "US":
        return country, None
    state, zip_code = value["state"].upper(), value["zip_code"]
    if not state:
        problems.append(("state", _("is required")))
    elif state not in US_STATES:
        problems.append(("state", _("must be a 2-letter US state code, e.g. NC")))
    if not zip_code:
        problems.append(("zip_code", _("is required")))
        return country, None
    if not US_ZIP.match(zip_code):
        problems.append(("zip_code", _("must be a ZIP code of 5 digits (or 5+4)")))
        return country, None
    counties = counties_for_zip(zip_code)
    # A ZIP code that touches several counties doesn't say which: the county stays unknown.
    return country, County.objects.filter(pk=counties[0]).first() if len(counties) == 1 else None


def _in_range(value, low, high):
    if not low <= value <= high:
        raise ValueError(value)
    return value


def _claim_form(*, number: str, location: Location, by: User) -> OfflineForm:
    """The form's row, inserted or found, locked for this transaction: entries of one form take
    turns. A concurrent insert of the same number waits for the first to commit, then finds it."""
    form, _created = OfflineForm.objects.get_or_create(
        number=number, defaults={"location": location, "issued_by": by}
    )
    # A plain FOR UPDATE, as before the lock helpers: it locks the location's row too, where
    # `cvms.locking` (`of=("self",)`) would lock the form alone.
    form = OfflineForm.objects.select_for_update().select_related("location").get(pk=form.pk)
    if form.location.organization_id != location.organization_id:
        raise BackfillError([("form_number", _("was printed for another organization"))])
    return form


def _person(person: dict, *, by: User, request=None) -> tuple[Recipient, bool]:
    """The person already registered under this name and date of birth, or a new recipient."""
    # Names compared as the duplicate finder does (no case, accents, punctuation or spaces).
    found = (
        Recipient.objects.filter(
            name_key=name_key(person["first_name"], person["last_name"]),
            date_of_birth=person["date_of_birth"],
        )
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found, False
    return recipient_create_by_staff(data=person, by=by, request=request), True


def _vaccinator(email: str, *, location: Location, by: User) -> User:
    if not email:
        return by
    membership = (
        Membership.objects.filter(organization_id=location.organization_id, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise BackfillError([("vaccinator_email", _("is not someone of this organization"))])
    return membership.user


@transaction.atomic
def form_backfill(*, location: Location, row: dict, by: User, request=None) -> BackfillOutcome:
    """Record one paper form given at `location` (the dose or the refusal, and the person if new).

    The same form entered again is recorded once: the second entry returns the first record as a
    duplicate and changes nothing."""
    paper = paper_form_parse(row)
    _claim_form(number=paper.form_number, location=location, by=by)
    existing = AdministrationRecord.objects.filter(form_number=paper.form_number).first()
    if existing is not None:
        return BackfillOutcome(record=existing, duplicate=True)
    vaccinator = _vaccinator(paper.vaccinator_email, location=location, by=by)
    recipient, new = _person(paper.person, by=by, request=request)
    try:
        if paper.refused:
            record = recording.refusal_record(
                recipient=recipient,
                location=location,
                product=paper.product,
                refused_at=paper.administered_at,
                reason=paper.refusal_reason,
                by=by,
                vaccinator=vaccinator,
                source=RecordSource.PAPER,
                form_number=paper.form_number,
                request=request,
            )
        else:
            record = recording.dose_record(
                recipient=recipient,
                location=location,
                details=recording.DoseDetails(
                    product=paper.product,
                    lot=paper.lot,
                    dose_number=paper.dose_number,
                    administered_at=paper.administered_at,
                    route=paper.route,
                    site=paper.site,
                    volume_ml=paper.volume_ml,
                    screening_answers={"comorbidity": paper.person["comorbidity"]},
                ),
                by=by,
                vaccinator=vaccinator,
                source=RecordSource.PAPER,
                form_number=paper.form_number,
                request=request,
            )
    except recording.RecordingError as refused:
        raise BackfillError([("", str(refused))]) from refused
    except IntegrityError as clash:  # the unique form number: the last guard
        raise BackfillError(
            [("form_number", _("was recorded at the same moment by someone else"))]
        ) from clash
    return BackfillOutcome(record=record, duplicate=False, new_recipient=new)


# --- Many forms at once: a CSV -----------------------------------------------------------------


@dataclass(frozen=True)
class LineReport:
    line: int
    form_number: str
    status: BackfillLineStatus
    message: str = ""
    record_pk: int | None = None


class CsvRefused(Exception):
    """The file as a whole can't be read (its header, its size): nothing was recorded."""


def csv_rows(content: bytes | str) -> Iterable[tuple[int, dict]]:
    """The file's forms with their line numbers; checks the header first."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [field.key for field in FIELDS if field.required and field.key not in header]
    unknown = [name for name in header if name and name not in FIELD_KEYS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
        raise CsvRefused(_("The header row doesn't match the form: %(what)s.") % {"what": "; ".join(parts)})
    reader.fieldnames = header
    for row in reader:
        if reader.line_num - 1 > MAX_CSV_LINES:
            raise CsvRefused(_("A file has at most %(n)s forms: split it.") % {"n": MAX_CSV_LINES})
        if any((value or "").strip() for value in row.values() if isinstance(value, str)):
            yield reader.line_num, row


def forms_backfill_csv(
    *, location: Location, content: bytes | str, by: User, request=None
) -> list[LineReport]:
    """Record every form of a CSV, each on its own (a wrong line doesn't stop the others), and
    say what happened to each, by line number."""
    rows = list(csv_rows(content))  # reads the whole file first: a bad header or size records nothing
    reports = []
    for line, row in rows:
        number = _text(row, "form_number")
        try:
            outcome = form_backfill(location=location, row=row, by=by, request=request)
        except BackfillError as refused:
            reports.append(
                LineReport(
                    line=line, form_number=number, status=BackfillLineStatus.REFUSED, message=str(refused)
                )
            )
            continue
        reports.append(
            LineReport(
                line=line,
                form_number=form_number_display(outcome.record.form_number),
                status=BackfillLineStatus.DUPLICATE if outcome.duplicate else BackfillLineStatus.RECORDED,
                message=_("already recorded; nothing changed") if outcome.duplicate else "",
                record_pk=outcome.record.pk,
            )
        )
    return reports


def csv_template() -> str:
    """The header row of a back-fill CSV (the form's fields, in order)."""
    return ",".join(FIELD_KEYS) + "\r\n"
