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


def translated_values(queryset, field: str, *, key: str = "pk") -> list[tuple]:
    """(`key`, `translated(row, field)`) for each row of `queryset`, read as two or three columns
    rather than as instances: the options of a select of reference rows (a hundred counties as
    model instances cost more than the rest of a list page's filter, issue 18)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    column = f"{field}_{language}"
    if language == settings.LANGUAGE_CODE or column not in {f.name for f in queryset.model._meta.fields}:
        return list(queryset.values_list(key, field))
    return [(value, local or text) for value, text, local in queryset.values_list(key, field, column)]
