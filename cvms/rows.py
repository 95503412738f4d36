"""Table rows written in Python for the state's long lists.

A row drawn by Django's template engine costs a lookup, a localization and an escape per
variable, and a reverse per `{% url %}`: fifty rows of seven cells were half of a list page's
CPU time, more than its queries (issue 18). The lists with many rows write each row with an
f-string from these helpers instead, with the same markup and the same escaping, formatting and
localization as the template filters they replace (`escape`, `date`, `intcomma`, `default`).
The page's template keeps everything else and prints the rows with `{{ rows }}`.
"""

import html
from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeData, SafeString, mark_safe

__all__ = ["choice_labels", "esc", "intcomma", "local_date", "or_dash", "row_url", "rows_html"]


def esc(value) -> str:
    """What `{{ value }}` writes for a string or a number: safe strings as they are, anything
    else as escaped text (Django escapes with `html.escape` too)."""
    return value if isinstance(value, SafeData) else html.escape(str(value))


def or_dash(value) -> str:
    """`{{ value|default:"—" }}`."""
    return esc(value) if value else "—"


def local_date(value: date | datetime | None, format_string: str) -> str:
    """`{{ value|date:format_string }}`: an aware datetime in the current time zone first, a
    format name ("SHORT_DATETIME_FORMAT") in the current language; "" for no value."""
    if value is None:
        return ""
    # The fixed formats the lists use are written directly: the same digits, without the
    # formatter's set-up on every call.
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if format_string == "c":
            return value.isoformat()
        if format_string == "Y-m-d H:i:s":
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value:%H:%M:%S}"
        if format_string == "Y-m-d H:i":
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value:%H:%M}"
    elif format_string == "Y-m-d":
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return formats.date_format(value, format_string)


def row_url(url_name: str, sentinel: int = 2_147_483_647) -> Callable[[object], str]:
    """`{% url url_name pk %}` for each row, reversed once: the URL of `sentinel`, with each
    row's key put in its place (a URL whose one argument is an integer key)."""
    prefix, _sep, suffix = reverse(url_name, args=[sentinel]).rpartition(str(sentinel))
    return lambda pk: f"{prefix}{pk}{suffix}"


def choice_labels(model, field_name: str) -> dict:
    """`get_<field>_display()` for a page's rows: each choice's label translated once for the
    page rather than looked up and translated again in every row (a value with no choice shows
    itself, as Django's does)."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def rows_html(items: Iterable, row: Callable[[object], str]) -> SafeString:
    """Every item's row, one string; `row` escapes what it writes (`esc`)."""
    return mark_safe("".join(row(item) for item in items))
