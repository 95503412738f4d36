"""The fields of the paper "Recipient Registration and Vaccine Administration Form", in order.

One list serves the printed form, the back-fill screen and the back-fill CSV (its header row is
the `key`s), so that copying a paper form into the system is a straight copy, field by field.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from administration.enums import RefusalReason


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    section: str
    required: bool = False
    hint: str = ""
    # Words to choose from on the screen (value, label); a CSV may write the words in English or
    # Spanish (the codes are for reporting).
    choices: Callable[[], list[tuple[str, str]]] | None = None


# The words a paper form or a CSV gives for a refusal (the screen offers them in the reader's
# language; the back-fill also reads them in Spanish): the NIP002 codes are for the registry.
REFUSAL_WORDS = {
    "patient decision": RefusalReason.PATIENT_DECISION,
    "parental decision": RefusalReason.PARENTAL_DECISION,
    "religious exemption": RefusalReason.RELIGIOUS_EXEMPTION,
    "other": RefusalReason.OTHER,
}


def refusal_reason_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(word, reason.label) for word, reason in REFUSAL_WORDS.items()]


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
    # State and ZIP code are required for an address in the US (the back-fill checks them then).
    FormField("state", _("State"), REGISTRATION, hint=_("NC; a province abroad")),
    FormField("zip_code", _("ZIP code"), REGISTRATION, hint=_("postal code abroad")),
    FormField("country", _("Country"), REGISTRATION, hint=_("blank: United States")),
    FormField("phone", _("Phone"), REGISTRATION),
    FormField("email", _("E-mail address"), REGISTRATION),
    FormField("comorbidity", _("High-risk medical condition"), SCREENING, hint="YES / NO / UNK"),
    # Given by the vaccinator (the dose recording screen).
    FormField("administered_on", _("Date given"), ADMINISTRATION, required=True, hint="YYYY-MM-DD"),
    FormField("administered_at_time", _("Time given"), ADMINISTRATION, hint="HH:MM"),
    FormField("refused", _("Vaccine refused"), ADMINISTRATION, hint="YES / NO"),
    FormField(
        "refusal_reason",
        _("Reason for refusal"),
        ADMINISTRATION,
        hint=_("patient decision / parental decision / religious exemption / other"),
        choices=refusal_reason_choices,
    ),
    FormField("ndc", _("Vaccine (NDC)"), ADMINISTRATION, required=True),
    FormField("lot_number", _("Lot number"), ADMINISTRATION),
    FormField("dose_number", _("Dose number"), ADMINISTRATION, hint="1 / 2 / 3"),
    FormField("route", _("Route"), ADMINISTRATION, hint="IM / SC / ID"),
    FormField("site", _("Site"), ADMINISTRATION, hint="LD / RD / LA / RA"),
    FormField("volume_ml", _("Dose volume (mL)"), ADMINISTRATION),
    FormField("vaccinator_email", _("Vaccinator (e-mail)"), ADMINISTRATION),
)

FIELD_KEYS: tuple[str, ...] = tuple(field.key for field in FIELDS)
