"""Data in the reader's language.

Reference rows that people read (priority groups, counties, the readiness checklist) keep their
English text in a field and the Spanish beside it, in a field named after the language
(`label` and `label_es`); the migrations that ship the rows fill both. A row with no Spanish
yet shows its English.
"""

from django.conf import settings
from django.utils import translation


def translated(obj, field: str) -> str:
    """`obj.<field>` in the active language: `<field>_<language>` when it is filled."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language != settings.LANGUAGE_CODE:
        value = getattr(obj, f"{field}_{language}", "")
        if value:
            return value
    return getattr(obj, field)
