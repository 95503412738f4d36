"""The fields of the paper "Recipient Registration and Vaccine Administration Form", in order.

One list serves the printed form, the back-fill screen and the back-fill CSV (its header row is
the `key`s), so that copying a paper form into the system is a straight copy, field by field.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    section: str
    required: bool = False
    hint: str = ""


REGISTRATION = "registration"
SCREENING = "screening"
ADMINISTRATION = "administration"

FIELDS: tuple[FormField, ...] = (
    FormField("form_number", _("Form number"), ADMINISTRATION, required=True),
    # The person (the recipient registration screen).
    FormField("first_name", _("Legal first name"), REGISTRATION, required=True),
    FormField("middle_name", _("Middle name"), REGISTRATION),
    FormField("last_name", _("Legal last name"), REGISTRATION, required=True),
    FormField("date_of_birth", _("Date of birth"), REGISTRATION, required=True, hint="YYYY-MM-DD"),
    FormField("sex", _("Sex"), REGISTRATION, required=True, hint="F / M / U"),
    FormField("races", _("Race"), REGISTRATION, hint=_("codes, separated by ;")),
    FormField("ethnicity", _("Ethnicity"), REGISTRATION),
    FormField("street", _("Street address"), REGISTRATION, required=True),
    FormField("street_2", _("Apartment, suite, etc."), REGISTRATION),
    FormField("city", _("City"), REGISTRATION, required=True),
    FormField("state", _("State"), REGISTRATION, required=True),
    FormField("zip_code", _("ZIP code"), REGISTRATION, required=True),
    FormField("phone", _("Phone"), REGISTRATION),
    FormField("email", _("E-mail address"), REGISTRATION),
    FormField("comorbidity", _("High-risk medical condition"), SCREENING, hint="YES / NO / UNK"),
    # Given by the vaccinator (the dose recording screen).
    FormField("administered_on", _("Date given"), ADMINISTRATION, required=True, hint="YYYY-MM-DD"),
    FormField("administered_at_time", _("Time given"), ADMINISTRATION, hint="HH:MM"),
    FormField("refused", _("Vaccine refused"), ADMINISTRATION, hint="YES / NO"),
    FormField("refusal_reason", _("Reason for refusal"), ADMINISTRATION),
    FormField("ndc", _("Vaccine (NDC)"), ADMINISTRATION, required=True),
    FormField("lot_number", _("Lot number"), ADMINISTRATION),
    FormField("dose_number", _("Dose number"), ADMINISTRATION, hint="1 / 2 / 3"),
    FormField("route", _("Route"), ADMINISTRATION, hint="IM / SC / ID"),
    FormField("site", _("Site"), ADMINISTRATION, hint="LD / RD / LA / RA"),
    FormField("volume_ml", _("Dose volume (mL)"), ADMINISTRATION),
    FormField("vaccinator_email", _("Vaccinator (e-mail)"), ADMINISTRATION),
)

FIELD_KEYS: tuple[str, ...] = tuple(field.key for field in FIELDS)
