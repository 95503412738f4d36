"""The people being vaccinated: who they are, what state reporting needs to know about them, and
how they came to register.

A `Recipient` is one person. The login (`cvms.User`) is separate: a person registers once, and
the same person invited by several organizations keeps one record (`user` is unique, and the
registration services look the person up before creating anyone).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recipients.enums import Ethnicity, GuardianRelationship, Race, RegistrationSource, Sex, YesNoUnknown

# Under this age a person registers with a parent or guardian, who is the responsible party the
# immunization registry receives with their doses (HL7 NK1).
ADULT_AGE = 18


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
    state = models.CharField(_("state"), max_length=2, default="NC")
    zip_code = models.CharField(_("ZIP code"), max_length=10)
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

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # The duplicate finder groups on these.
            models.Index(Lower("last_name"), Lower("first_name"), "date_of_birth", name="recipient_name_dob"),
            models.Index(Lower("email"), name="recipient_email_ci"),
            # The state's list of people, in its order (Meta.ordering): a page of 50 is read from
            # the index, not sorted out of millions.
            models.Index(fields=["last_name", "first_name", "id"], name="recipient_name_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="recipient_sex_cvrs"),
            models.CheckConstraint(
                condition=Q(ethnicity__in=Ethnicity.values), name="recipient_ethnicity_cvrs"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)

    @property
    def race_labels(self) -> list[str]:
        return [Race(code).label for code in self.races if code in Race.values]

    @property
    def is_eligible(self) -> bool:
        """Eligible now: their priority group is open for booking."""
        return self.priority_group is not None and self.priority_group.is_open


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
