"""Reads of enrollment data reused by views, services and other apps."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from guardian.shortcuts import get_objects_for_user

from cvms.models import Membership, User
from cvms.roles import Role
from cvms.translated import translated_values
from enrollment.enums import ApplicationStatus, DecisionAction, OrganizationKind, ReadinessScope
from enrollment.models import (
    ApplicationLocation,
    County,
    EnrollmentApplication,
    IssuedPin,
    Location,
    Organization,
    ReadinessItem,
    ZipCode,
)
from enrollment.validators import looks_like_a_name, validate_licence_number

ADMIN_ROLE = {OrganizationKind.PROVIDER: Role.PROVIDER_ADMIN, OrganizationKind.EMPLOYER: Role.EMPLOYER_ADMIN}
ORGANIZATION_ROLES = {
    OrganizationKind.PROVIDER: (Role.PROVIDER_ADMIN, Role.VACCINATOR),
    OrganizationKind.EMPLOYER: (Role.EMPLOYER_ADMIN,),
}
# Applications the state still has to look at, or that are back with the applicant.
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED)


def locations_for(user: User, organization: Organization) -> QuerySet[Location]:
    """The active locations where `user` may work for `organization`: every location for its
    administrator, the ones assigned (object permission `enrollment.work_at_location`) for a
    vaccinator, none for anyone else."""
    locations = Location.objects.filter(organization=organization, is_active=True)
    role = (
        Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()
    )
    if role == Role.PROVIDER_ADMIN:
        return locations
    if role == Role.VACCINATOR:
        return get_objects_for_user(
            user, "enrollment.work_at_location", locations, accept_global_perms=False, with_superuser=False
        )
    return locations.none()


def readiness_items_for(kind: str) -> QuerySet[ReadinessItem]:
    return ReadinessItem.objects.filter(is_active=True, applies_to__in=[ReadinessScope.ALL, kind])


def pin_taken(six_digits: str) -> bool:
    return (
        IssuedPin.objects.filter(number=int(six_digits)).exists()
        or Organization.objects.filter(pin=f"NCA{six_digits}").exists()
    )


def tax_id_holder(tax_id: str, *, exclude_application: EnrollmentApplication | None = None) -> str | None:
    """The name of the organization or open application that already holds `tax_id`, if any."""
    if not tax_id:
        return None
    organization = Organization.objects.filter(tax_id=tax_id).values_list("name", flat=True).first()
    if organization:
        return organization
    applications = EnrollmentApplication.objects.filter(tax_id=tax_id, status__in=OPEN_STATUSES)
    if exclude_application is not None:
        applications = applications.exclude(pk=exclude_application.pk)
    return applications.values_list("legal_name", flat=True).first()


def duplicate_tax_id_message(tax_id: str, holder: str) -> str:
    return _(
        "The EIN or tax id %(tax_id)s is already enrolled or under review as “%(name)s”. An organization "
        "enrolls once: if you act for it, ask its administrator to invite you."
    ) % {"tax_id": tax_id, "name": holder}


def application_problems(application: EnrollmentApplication) -> list[tuple[str, str]]:
    """What stops `application` from being submitted, as (field label, message) pairs."""
    problems = []
    field = EnrollmentApplication._meta.get_field
    required = ["legal_name", "address", "city", "zip_code", "county", "tax_id", "priority_group"]
    required += ["contact_name", "contact_email", "contact_phone"]
    if application.kind == OrganizationKind.PROVIDER:
        required += [
            "provider_type",
            "licence_number",
            "licensing_authority",
            "prescriber_name",
            "prescriber_credential",
        ]
    else:
        required += ["employer_type", "employee_count"]
    for name in required:
        if getattr(application, field(name).attname) in (None, ""):
            problems.append((capfirst(field(name).verbose_name), _("This field is required.")))
    if application.contact_name and not looks_like_a_name(application.contact_name):
        problems.append((capfirst(field("contact_name").verbose_name), CONTACT_NAME_NOT_A_NAME))
    if application.kind == OrganizationKind.PROVIDER and application.licence_number:
        try:
            validate_licence_number(application.licence_number)
        except Exception as error:
            problems.append((capfirst(field("licence_number").verbose_name), " ".join(error.messages)))
    holder = tax_id_holder(application.tax_id, exclude_application=application)
    if holder:
        problems.append(
            (str(field("tax_id").verbose_name), duplicate_tax_id_message(application.tax_id, holder))
        )
    if application.vfc_pin and pin_taken(application.vfc_pin):
        problems.append(
            (str(field("vfc_pin").verbose_name), _("This VFC PIN is already the PIN of another provider."))
        )
    if application.kind == OrganizationKind.PROVIDER and not application.locations.exists():
        problems.append((_("Locations"), _("Add at least one location.")))
    for place in application.locations.filter(site_type=""):  # saved before the question was asked
        problems.append((_("Location: %(name)s") % {"name": place.name}, _("Choose the type of site.")))
    for item in readiness_items_for(application.kind):
        if application.readiness.get(str(item.pk)) is not True:
            problems.append(
                (_("Readiness: %(item)s") % {"item": item.text}, _("Every item must be answered yes."))
            )
    if not application.attested_name:
        problems.append((_("Agreement"), _("Type your name to sign the agreement.")))
    return problems


CONTACT_NAME_NOT_A_NAME = _lazy("Write the contact's name here (the e-mail address has its own field).")


# What a submission keeps of the application's answers (ApplicationEvent.answers): every field
# the applicant fills in, its locations and its readiness answers.
ANSWER_FIELDS = [
    "legal_name", "provider_type", "employer_type", "address", "city", "zip_code", "county",
    "tax_id", "priority_group", "licence_number", "licensing_authority", "prescriber_name",
    "prescriber_credential", "vfc_pin", "employee_count", "resident_count", "contact_name",
    "contact_email", "contact_phone", "attested_name",
]  # fmt: skip
LOCATION_FIELDS = [
    "name", "address", "city", "zip_code", "county", "site_type", "iis_facility_id", "hours",
    "weekly_throughput", "ultra_cold_capacity", "frozen_capacity", "refrigerated_capacity",
]  # fmt: skip


def application_answers(application: EnrollmentApplication) -> dict:
    """The application's answers as plain values (codes and ids, as stored), to be kept with a
    submission and compared with the next."""
    field = EnrollmentApplication._meta.get_field
    return {
        "fields": {name: getattr(application, field(name).attname) for name in ANSWER_FIELDS},
        "locations": [
            {
                name: getattr(place, ApplicationLocation._meta.get_field(name).attname)
                for name in LOCATION_FIELDS
            }
            for place in application.locations.all()
        ],
        "readiness": dict(application.readiness),
    }


@dataclass
class AnswerChange:
    label: str
    before: str
    after: str


def application_changes(application: EnrollmentApplication) -> list[AnswerChange] | None:
    """What changed between the application's last two submissions, answer by answer; None
    when it has been submitted once only (or its earlier submission kept no answers)."""
    submissions = list(
        application.events.filter(action=DecisionAction.SUBMITTED)
        .exclude(answers={})
        .order_by("-at", "-id")[:2]
    )
    if len(submissions) < 2:
        return None
    after, before = submissions[0].answers, submissions[1].answers
    return (
        _fields_changed(EnrollmentApplication, before.get("fields", {}), after.get("fields", {}), prefix="")
        + _locations_changed(before.get("locations", []), after.get("locations", []))
        + _readiness_changed(application.kind, before.get("readiness", {}), after.get("readiness", {}))
    )


def _shown(model, name: str, value) -> str:
    """A stored answer as a person reads it: a choice's label, a county's or group's name."""
    if value in (None, ""):
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        target = model_field.related_model.objects.filter(pk=value).first()
        return str(target) if target is not None else str(value)
    return str(value)


def _fields_changed(model, before: dict, after: dict, *, prefix: str) -> list[AnswerChange]:
    changes = []
    for name in dict.fromkeys([*before, *after]):
        if before.get(name) != after.get(name):
            label = capfirst(model._meta.get_field(name).verbose_name)
            changes.append(
                AnswerChange(
                    label=f"{prefix}{label}",
                    before=_shown(model, name, before.get(name)),
                    after=_shown(model, name, after.get(name)),
                )
            )
    return changes


def _locations_changed(before: list, after: list) -> list[AnswerChange]:
    """Locations matched by name: added, removed, or changed field by field."""
    old = {place["name"].casefold(): place for place in before}
    new = {place["name"].casefold(): place for place in after}
    changes = []
    for key, place in new.items():
        if key not in old:
            changes.append(AnswerChange(_("Location added"), "—", _place_summary(place)))
        else:
            prefix = _("Location %(name)s: ") % {"name": place["name"]}
            changes += _fields_changed(ApplicationLocation, old[key], place, prefix=prefix)
    for key, place in old.items():
        if key not in new:
            changes.append(AnswerChange(_("Location removed"), _place_summary(place), "—"))
    return changes


def _place_summary(place: dict) -> str:
    return f"{place['name']}, {place['address']}, {place['city']} {place['zip_code']}"


def _readiness_changed(kind: str, before: dict, after: dict) -> list[AnswerChange]:
    shown = {True: _("Yes"), False: _("No"), None: _("Not answered")}
    return [
        AnswerChange(
            _("Readiness: %(item)s") % {"item": item.display_text},
            str(shown[before.get(str(item.pk))]),
            str(shown[after.get(str(item.pk))]),
        )
        for item in readiness_items_for(kind)
        if before.get(str(item.pk)) != after.get(str(item.pk))
    ]


def applications_of(user: User, kind: str) -> QuerySet[EnrollmentApplication]:
    return EnrollmentApplication.objects.filter(applicant=user, kind=kind).select_related("organization")


# What the review queue shows of each application (an application, its applicant and its group
# hold some sixty columns; a page of rows as whole instances cost more than its query, issue 18).
QUEUE_COLUMNS = (
    "legal_name",
    "kind",
    "status",
    "submitted_at",
    "county__name",
    "county__name_es",
    "priority_group__code",
    "applicant__email",
)


def county_options(counties: QuerySet[County]) -> list[tuple[str, str]]:
    """A county select's options, named as `str(county)` names them, read as rows rather than
    instances (QuickSelect's `option_rows`)."""
    return translated_values(counties, "name")


def _count_of(rows: QuerySet, field: str) -> Coalesce:
    """How many of `rows` point at the outer query's row by `field`, as a correlated subquery:
    PostgreSQL counts for the page's rows only, after ORDER BY … LIMIT, where a join and GROUP
    BY counted for every row of the list before keeping a page (and two joined counts multiplied
    each other's rows)."""
    counted = rows.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def review_queue(
    *, status: str = "", kind: str = "", county: str = "", phase: str = "", search: str = ""
) -> QuerySet[EnrollmentApplication]:
    """Applications for the state, by prioritization phase, then by submission time; drafts
    stay with their applicants."""
    applications = (
        EnrollmentApplication.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("county", "priority_group", "applicant")
        .only(*QUEUE_COLUMNS)
        .annotate(location_count=_count_of(ApplicationLocation.objects, "application"))
        .order_by("priority_group__position", "submitted_at", "id")
    )
    if status:
        applications = applications.filter(status=status)
    if kind:
        applications = applications.filter(kind=kind)
    if county:
        applications = applications.filter(county_id=county)
    if phase:
        applications = applications.filter(priority_group__code=phase)
    if search:
        applications = applications.filter(
            Q(legal_name__icontains=search) | Q(contact_name__icontains=search)
        )
    return applications


def waiting_for_review_count() -> int:
    return EnrollmentApplication.objects.filter(status=ApplicationStatus.SUBMITTED).count()


def organizations_for_state(*, search: str = "", kind: str = "", status: str = "") -> QuerySet[Organization]:
    organizations = Organization.objects.annotate(
        location_count=_count_of(Location.objects, "organization"),
        people_count=_count_of(Membership.objects, "organization"),
    ).order_by("name", "id")
    if search:
        organizations = organizations.filter(Q(name__icontains=search) | Q(pin__iexact=search))
    if kind:
        organizations = organizations.filter(kind=kind)
    if status:
        organizations = organizations.filter(status=status)
    return organizations


def people_of(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def organization_by_pin(pin: str) -> Organization | None:
    """The provider with this PIN (the helpdesk's registration code), approved or not."""
    return Organization.objects.filter(pin__iexact=(pin or "").strip()).first()


def counties_for_zip(zip_code: str) -> list[str]:
    """The counties (FIPS codes) a ZIP code touches, as the reference table knows them (a ZIP
    may touch several; an unknown one, none)."""
    return list(ZipCode.objects.filter(zip=zip_code.strip()[:5]).values_list("county_id", flat=True))
