from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.enums import OrganizationKind, OrganizationStatus


class County(models.Model):
    """A county of the state (shipped as data, see enrollment/data/)."""

    fips = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=100)
    population = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name


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
    group of their people, and recipients' eligibility follows `is_open`.
    """

    code = models.CharField(max_length=8, unique=True)
    position = models.PositiveSmallIntegerField(help_text=_("Order in which groups become eligible."))
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_open = models.BooleanField(_("open for booking"), default=False)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{_('Group')} {self.code}: {self.label}"


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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place where an organization stores vaccine and vaccinates."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="locations")
    is_active = models.BooleanField(default=False)
    ultra_cold_capacity = models.PositiveIntegerField(_("ultra-cold capacity (doses)"), default=0)
    frozen_capacity = models.PositiveIntegerField(_("frozen capacity (doses)"), default=0)
    refrigerated_capacity = models.PositiveIntegerField(_("refrigerated capacity (doses)"), default=0)

    class Meta:
        ordering = ["organization_id", "name", "id"]

    def __str__(self) -> str:
        return self.name
