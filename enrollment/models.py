from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cvms.translated import translated
from enrollment.enums import (
    ApplicationStatus,
    ColleagueInvitationStatus,
    DecisionAction,
    EmployerType,
    GroupAttestation,
    LicensingAuthority,
    OrganizationKind,
    OrganizationStatus,
    PrescriberCredential,
    ProviderType,
    ReadinessScope,
    SiteType,
)

IIS_FACILITY_ID = RegexValidator(
    r"^[A-Za-z0-9._-]{1,20}$",
    _("Up to 20 letters, digits, dots, dashes or underscores, as the registry issued it."),
)


class County(models.Model):
    """A county of the state (shipped as data, see enrollment/data/)."""

    fips = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=100)
    # "Condado de Wake" for "Wake County": the name itself is a proper noun and stays.
    name_es = models.CharField(max_length=100, blank=True)
    population = models.PositiveIntegerField(default=0)
    # Loaded from data/nc_county_svi.csv (migration 0011); unknown for a county added by hand.
    svi_overall = models.DecimalField(
        _("social vulnerability index"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("CDC/ATSDR Social Vulnerability Index, overall percentile (0 least, 1 most vulnerable)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self, "name")


class ZipCode(models.Model):
    """A ZIP code and one county it touches (a ZIP may touch several)."""

    zip = models.CharField(max_length=5, db_index=True)
    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="zip_codes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["zip", "county"], name="zipcode_unique")]

    def __str__(self) -> str:
        return f"{self.zip} ({self.county_id})"


class PriorityGroup(models.Model):
    """A group of people the state vaccinates in turn (North Carolina's Groups 1-5 by default).

    It lives here, the lowest app that needs it: employers' applications and rosters name the
    group of their people, and recipients' eligibility follows `is_open`. Opening and closing a
    group is recipients' rule (`recipients.services.priority_group_open` and `_close`), not this
    app's.
    """

    code = models.CharField(max_length=8, unique=True)
    position = models.PositiveSmallIntegerField(help_text=_("Order in which groups become eligible."))
    label = models.CharField(max_length=200)
    label_es = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_es = models.TextField(blank=True)
    is_open = models.BooleanField(_("open for booking"), default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    # Who belongs: an age range checked against the date of birth, and what a person attests
    # when their age alone doesn't prove it (recipients' eligibility rules read these).
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    attestation = models.CharField(
        _("the person attests"), max_length=16, choices=GroupAttestation.choices, blank=True, default=""
    )
    # Set ahead by the state: a periodic task opens the group then (recipients' services).
    opens_at = models.DateTimeField(_("opens on"), null=True, blank=True)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="prioritygroup_age_range",
            ),
            models.CheckConstraint(
                condition=Q(attestation__in=GroupAttestation.values), name="prioritygroup_attestation"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Group')} {self.code}: {self.display_label}"

    @property
    def display_label(self) -> str:
        return translated(self, "label")

    @property
    def display_description(self) -> str:
        return translated(self, "description")


class Organization(models.Model):
    """A provider or an employer/residential organization. Its people act for it through
    `cvms.Membership`; only an approved organization opens its portal."""

    name = models.CharField(_("legal name"), max_length=200)
    kind = models.CharField(max_length=16, choices=OrganizationKind.choices)
    status = models.CharField(
        max_length=16, choices=OrganizationStatus.choices, default=OrganizationStatus.PENDING
    )
    # The state-issued provider PIN, such as NCA650001; set when a provider is approved.
    pin = models.CharField(_("PIN"), max_length=9, unique=True, null=True, blank=True)
    # The federal employer identification number, as 12-3456789: one organization per tax id.
    tax_id = models.CharField(_("EIN or tax id"), max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_id"], condition=~models.Q(tax_id=""), name="organization_tax_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place where an organization stores vaccine and vaccinates."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="locations")
    is_active = models.BooleanField(default=False)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    zip_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    weekly_throughput = models.PositiveIntegerField(_("expected doses per week"), default=0)
    # Blank for a location enrolled before the question was asked: reported as unknown (UNK).
    site_type = models.CharField(_("type of site"), max_length=2, choices=SiteType.choices, blank=True)
    # The location's identifier at the state's immunization registry (IIS), sent in HL7 RXA-11.4:
    # an IIS facility id is short ASCII (HL7 HD namespace id, at most 20 characters).
    iis_facility_id = models.CharField(
        _("immunization registry (IIS) facility id"),
        max_length=20,
        blank=True,
        validators=[IIS_FACILITY_ID],
        help_text=_("As the state immunization registry knows this location, if it has one."),
    )
    ultra_cold_capacity = models.PositiveIntegerField(_("ultra-cold capacity (doses)"), default=0)
    frozen_capacity = models.PositiveIntegerField(_("frozen capacity (doses)"), default=0)
    refrigerated_capacity = models.PositiveIntegerField(_("refrigerated capacity (doses)"), default=0)

    class Meta:
        ordering = ["organization_id", "name", "id"]
        # Given to vaccinators (django-guardian) for the locations they work at.
        permissions = [("work_at_location", _("Can work at this location"))]

    def __str__(self) -> str:
        return self.name


class ReadinessItem(models.Model):
    """One yes/no question of the readiness checklist; every active item that applies to the
    applicant must be answered yes before an application can be submitted. The state edits the
    list in the admin (the defaults come from migration 0004)."""

    text = models.CharField(_("question"), max_length=300)
    text_es = models.CharField(_("question in Spanish"), max_length=300, blank=True)
    help_text = models.CharField(_("explanation"), max_length=500, blank=True)
    help_text_es = models.CharField(_("explanation in Spanish"), max_length=500, blank=True)
    applies_to = models.CharField(
        _("applies to"), max_length=16, choices=ReadinessScope.choices, default=ReadinessScope.ALL
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return translated(self, "text")

    @property
    def display_help_text(self) -> str:
        return translated(self, "help_text")


class EnrollmentApplication(models.Model):
    """A request to enroll an organization, filled in steps by its applicant (saved as a draft
    at each step) and decided by the state. `version` grows at every change, so a decision taken
    on a page that shows an older version is refused."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollment_applications"
    )
    kind = models.CharField(max_length=16, choices=OrganizationKind.choices)
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set on approval: the organization this application created.
    organization = models.OneToOneField(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    # The organization
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    provider_type = models.CharField(
        _("type of provider"), max_length=24, choices=ProviderType.choices, blank=True
    )
    employer_type = models.CharField(
        _("type of organization"), max_length=24, choices=EmployerType.choices, blank=True
    )
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    zip_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    tax_id = models.CharField(_("EIN or tax id"), max_length=10, blank=True)
    # The prioritization phase the applicant serves first (providers) or belongs to (employers):
    # the state's review queue is ordered by it.
    priority_group = models.ForeignKey(
        PriorityGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("priority group"),
    )
    # Providers
    licence_number = models.CharField(_("licence or credential number"), max_length=12, blank=True)
    licensing_authority = models.CharField(
        _("licensing authority"), max_length=16, choices=LicensingAuthority.choices, blank=True
    )
    prescriber_name = models.CharField(_("responsible prescriber's name"), max_length=200, blank=True)
    prescriber_credential = models.CharField(
        _("responsible prescriber's credential"),
        max_length=16,
        choices=PrescriberCredential.choices,
        blank=True,
    )
    vfc_pin = models.CharField(_("Vaccines for Children (VFC) PIN"), max_length=6, blank=True)
    # Employers and residential organizations
    employee_count = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    resident_count = models.PositiveIntegerField(_("number of residents"), null=True, blank=True)

    # The single point of contact
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    # Readiness checklist: {"<ReadinessItem id>": true|false}
    readiness = models.JSONField(default=dict, blank=True)
    # Agreement attestation
    attested_name = models.CharField(_("name of the person signing"), max_length=200, blank=True)
    attested_at = models.DateTimeField(null=True, blank=True)

    # What the state told the applicant: the denial reason, or what more it needs.
    decision_notes = models.TextField(_("notes to the applicant"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ApplicationStatus.APPROVED) | models.Q(organization__isnull=False),
                name="application_approved_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED)

    @property
    def is_reviewable(self) -> bool:
        return self.status == ApplicationStatus.SUBMITTED

    @property
    def organization_type_label(self) -> str:
        if self.kind == OrganizationKind.PROVIDER:
            return self.get_provider_type_display()
        return self.get_employer_type_display()


class ApplicationLocation(models.Model):
    """A location as the applicant describes it; approval turns each into a `Location`."""

    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("location name"), max_length=200)
    address = models.CharField(_("street address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    zip_code = models.CharField(_("ZIP code"), max_length=10)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    hours = models.CharField(_("opening hours"), max_length=200)
    weekly_throughput = models.PositiveIntegerField(_("expected doses per week"))
    site_type = models.CharField(_("type of site"), max_length=2, choices=SiteType.choices, blank=True)
    # The location's identifier at the state's immunization registry (IIS), sent in HL7 RXA-11.4:
    # an IIS facility id is short ASCII (HL7 HD namespace id, at most 20 characters).
    iis_facility_id = models.CharField(
        _("immunization registry (IIS) facility id"),
        max_length=20,
        blank=True,
        validators=[IIS_FACILITY_ID],
        help_text=_("As the state immunization registry knows this location, if it has one."),
    )
    ultra_cold_capacity = models.PositiveIntegerField(_("ultra-cold capacity (doses)"), default=0)
    frozen_capacity = models.PositiveIntegerField(_("frozen capacity (doses)"), default=0)
    refrigerated_capacity = models.PositiveIntegerField(_("refrigerated capacity (doses)"), default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ApplicationEvent(models.Model):
    """The application's history as the applicant and the state see it: each submission and
    each decision, with the notes that went with it."""

    application = models.ForeignKey(EnrollmentApplication, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=DecisionAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # A decision's notes to the applicant, or the applicant's answer to a request for more.
    notes = models.TextField(blank=True)
    # A submission's answers as they were sent (`enrollment.selectors.application_answers`):
    # the reviewer sees what changed from one submission to the next.
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class IssuedPin(models.Model):
    """Every provider PIN ever issued (the six digits after NCA): a number is never issued twice,
    even after its organization is gone."""

    number = models.PositiveIntegerField(primary_key=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_vfc = models.BooleanField(default=False)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=0, number__lte=999999), name="issued_pin_six_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"NCA{self.number:06d}"


class ColleagueInvitation(models.Model):
    """An invitation for a colleague to act for an organization. The e-mailed link carries a
    signed token (id and nonce) that expires; accepting it once marks it used. (Not the roster's
    invitation of a person to register: that is employers' `Invitation`.)"""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="colleague_invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32)
    nonce = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=ColleagueInvitationStatus.choices, default=ColleagueInvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "enrollment_invitation"  # its name before the rename: no data moved
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(status=ColleagueInvitationStatus.PENDING),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization_id}"
