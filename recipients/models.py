"""The people being vaccinated: who they are, what state reporting needs to know about them, and
how they came to register.

A `Recipient` is one person. The login (`cvms.User`) is separate: a person registers once, and
the same person invited by several organizations keeps one record (`user` is unique, and the
registration services look the person up before creating anyone).
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.enums import GroupAttestation
from recipients.enums import Ethnicity, GuardianRelationship, Race, RegistrationSource, Sex, YesNoUnknown

# Under this age a person registers with a parent or guardian, who is the responsible party the
# immunization registry receives with their doses (HL7 NK1).
ADULT_AGE = 18


def normalized(text: str) -> str:
    """A name as the duplicate finder compares it: no case, accents, punctuation or spaces
    ("García-López" and "garcia lopez" are both "garcialopez")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def name_key(first_name: str, last_name: str) -> str:
    first, last = normalized(first_name), normalized(last_name)
    return f"{last}|{first}" if first or last else ""


def phone_key(phone: str) -> str:
    """The phone's last ten digits (a US number without its country code), or "" when it has
    fewer than seven digits (not a number anyone can be reached at)."""
    digits = "".join(c for c in (phone or "") if c.isascii() and c.isdigit())
    return digits[-10:] if len(digits) >= 7 else ""


def age_on(date_of_birth, day) -> int:
    """Full years of age on `day`."""
    years = day.year - date_of_birth.year
    return years - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


class Recipient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recipient",
    )
    first_name = models.CharField(_("legal first name"), max_length=150)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    last_name = models.CharField(_("legal last name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # CVRS allows up to six races; the first is required (UNK or POL when not given).
    races = models.JSONField(_("race"), default=list)
    ethnicity = models.CharField(_("ethnicity"), max_length=8, choices=Ethnicity.choices)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=32)
    street = models.CharField(_("street address"), max_length=200)
    street_2 = models.CharField(_("apartment, suite, etc."), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    # A US state's code; for an address abroad, its province or region as written (the
    # registry reports leave the state, ZIP and county of an address abroad empty).
    state = models.CharField(_("state"), max_length=50, default="NC")
    zip_code = models.CharField(_("ZIP code"), max_length=10)
    # ISO 3166 alpha-2; "US" for nearly everyone (a paper form may carry an address abroad).
    country = models.CharField(_("country"), max_length=2, default="US", db_default="US")
    county = models.ForeignKey(
        "enrollment.County",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    priority_group = models.ForeignKey(
        "enrollment.PriorityGroup",
        verbose_name=_("priority group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    # cmorbid_status of CVRS: a high-risk medical condition.
    comorbidity = models.CharField(
        _("high-risk medical condition"),
        max_length=3,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    # A minor's parent or guardian (given at registration), sent to the registry as NK1.
    guardian_first_name = models.CharField(
        _("parent or guardian: first name"), max_length=150, blank=True, db_default=""
    )
    guardian_last_name = models.CharField(
        _("parent or guardian: last name"), max_length=150, blank=True, db_default=""
    )
    guardian_relationship = models.CharField(
        _("parent or guardian: relationship"),
        max_length=3,
        choices=GuardianRelationship.choices,
        blank=True,
        db_default="",
    )
    # The state's screening questions (ScreeningQuestion) and this person's answers, by code.
    screening_answers = models.JSONField(default=dict, blank=True)
    # The organizations whose invitations the person used (one person may be invited by several;
    # clinics limited to an organization's invited people read this).
    invited_by = models.ManyToManyField(
        "enrollment.Organization", blank=True, related_name="+", verbose_name=_("invited by")
    )
    source = models.CharField(max_length=16, choices=RegistrationSource.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When a detail the immunization registry holds with the person's doses last changed (name,
    # birth date, sex, race, ethnicity, address, phone, guardian): their reported doses go again.
    registry_details_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # What the duplicate finder compares, kept by save() from the fields above: the names without
    # case, accents, punctuation or spaces ("garcialopez|maria"), the e-mail in lower case, the
    # phone's last ten digits; empty when not given (an empty value never matches).
    name_key = models.CharField(max_length=310, blank=True, default="", db_default="", editable=False)
    email_key = models.CharField(max_length=254, blank=True, default="", db_default="", editable=False)
    phone_key = models.CharField(max_length=10, blank=True, default="", db_default="", editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), "date_of_birth", name="recipient_name_dob"),
            models.Index(Lower("email"), name="recipient_email_ci"),
            # The duplicate finder looks a person's matches up by these.
            models.Index(fields=["name_key", "date_of_birth"], name="recipient_name_key_dob"),
            models.Index(fields=["date_of_birth"], name="recipient_dob"),
            models.Index(fields=["email_key"], name="recipient_email_key", condition=~Q(email_key="")),
            models.Index(fields=["phone_key"], name="recipient_phone_key", condition=~Q(phone_key="")),
            # The state's list of people, in its order (Meta.ordering): a page of 50 is read from
            # the index, not sorted out of millions.
            models.Index(fields=["last_name", "first_name", "id"], name="recipient_name_order"),
            # The dashboards' minute refresh asks who registered since its last run (a scan of
            # a million people took 630 ms each minute).
            models.Index(fields=["created_at"], name="recipient_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="recipient_sex_cvrs"),
            models.CheckConstraint(
                condition=Q(ethnicity__in=Ethnicity.values), name="recipient_ethnicity_cvrs"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    # Derived from the record's own fields (no side effect): a save of any of these fields saves
    # the keys with them, so the duplicate finder never compares stale keys.
    KEY_SOURCES = frozenset({"first_name", "last_name", "email", "phone"})

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.first_name, self.last_name)
        self.email_key = (self.email or "").strip().lower()
        self.phone_key = phone_key(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.KEY_SOURCES.intersection(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key", "email_key", "phone_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)

    @property
    def race_labels(self) -> list[str]:
        return [Race(code).label for code in self.races if code in Race.values]

    @property
    def is_eligible(self) -> bool:
        """Eligible now: their priority group is open for booking, and their age today is the
        group's (someone born in 1990 is not in "65 or older", whatever they chose)."""
        group = self.priority_group
        return (
            group is not None
            and group.is_open
            and age_fits(group, age_on(self.date_of_birth, timezone.localdate()))
        )


def age_fits(group, age: int) -> bool:
    """Whether a person of `age` belongs to `group` by its age range (none: any age)."""
    return (group.min_age is None or age >= group.min_age) and (group.max_age is None or age <= group.max_age)


class Attestation(models.Model):
    """A person's word that they belong to a priority group their age alone doesn't prove (an
    occupation, a condition, a group setting): who said it, what, when. Kept as said, in the
    language it was read in; a new choice of group adds a row, never changes one."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="attestations")
    priority_group = models.ForeignKey("enrollment.PriorityGroup", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=GroupAttestation.choices)
    # The sentence the person agreed to, as they read it.
    statement = models.TextField()
    # What they added: their occupation, for a group of occupations.
    detail = models.CharField(max_length=200, blank=True)
    # The person themselves, or the staff member who registered them on their word.
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-attested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=GroupAttestation.NONE), name="attestation_kind_given"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind} ({self.attested_at:%Y-%m-%d})"


class RegistrationSettings(models.Model):
    """The state's switches for registration (one row, pk=1)."""

    self_registration_open = models.BooleanField(_("self-registration open"), default=False)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="registrationsettings_single_row")]

    def __str__(self) -> str:
        return "Registration settings"


class ScreeningQuestion(models.Model):
    """A yes/no question the state asks at registration (configured by operators in the admin)."""

    code = models.SlugField(max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_es = models.CharField(_("question (Spanish)"), max_length=300)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code

    def text(self, language: str) -> str:
        return self.text_es if language == "es" and self.text_es else self.text_en


class GroupNotice(models.Model):
    """A person was told by e-mail that their priority group opened: once per person and group,
    whatever the number of workers, retries or re-openings (the constraint is the last guard)."""

    priority_group = models.ForeignKey("enrollment.PriorityGroup", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="group_notices")
    email = models.ForeignKey(
        "cvms.OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["priority_group", "recipient"], name="groupnotice_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority_group_id} → {self.recipient_id}"


class DuplicateCandidate(models.Model):
    """Two records that may be one person, and why (`reasons`: "name", "date_of_birth", "email",
    "phone", the ones that agree). Kept up to date when people register or change their details
    (recipients' services), so the state's page reads rows instead of grouping a million people.
    A pair counts when at least two of name, date of birth and a contact (e-mail or phone, only
    when given) agree. `recipient` is the older record (lower id)."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "other"], name="duplicatecandidate_pair_once"),
            models.CheckConstraint(condition=Q(recipient__lt=F("other")), name="duplicatecandidate_ordered"),
        ]
        indexes = [
            models.Index(fields=["other"], name="duplicatecandidate_other"),
            # The state's list, newest first (Meta.ordering): a page read from the index, not
            # every pair sorted on each view.
            models.Index(fields=["found_at", "id"], name="duplicatecandidate_found"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} ~ {self.other_id}"


class RecipientMerge(models.Model):
    """A merge of two records of one person, kept so the state can undo it: both records as they
    were (the duplicate's every field; the survivor's fields the merge filled in), and the rows
    moved, by id, per model (doses, appointments, printed forms, roster entries, ...).

    The people are named by id, not by foreign key: the duplicate is gone until the merge is
    undone, and a merge must not be moved by a later merge's re-pointing."""

    survivor_id = models.PositiveBigIntegerField(db_index=True)
    duplicate_id = models.PositiveBigIntegerField(db_index=True)
    survivor_before = models.JSONField()
    duplicate_snapshot = models.JSONField()
    # {"claimed": {model label: [ids]} moved by the apps' hooks; "related": {model label:
    #  {"field": name, "ids": [...]}} re-pointed here; "roster": {"invitees": [...], "invitations": [...]}}
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.duplicate_id} → {self.survivor_id}"
