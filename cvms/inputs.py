"""Reading what people send where no form field of the page reads it: the text of a search box in
the query string, ids ticked in a table, a number in a hidden field.

Whatever a careless or hostile client sends must end as a message, never a 500:

- a NUL byte, which PostgreSQL refuses in text and in JSON ("A string literal cannot contain
  NUL"): Django's form CharField refuses it, a bare `request.GET.get()` passes it on;
- digits that aren't ASCII: "²".isdigit() and "٣".isdigit() are True, and int("²") fails
  (int("٣") even succeeds, as 3): an id, a ZIP code or an NDC is written in ASCII digits;
- a value longer than any that could match, or a number past any id.
"""

import re

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _

ASCII_DIGITS = re.compile(r"[0-9]+")
# Ids are PostgreSQL bigints: 18 digits always fit.
MAX_ID_DIGITS = 18
SEARCH_MAX_LENGTH = 200


def is_ascii_digits(value) -> bool:
    """Whether `value` is a string of ASCII digits only (and not empty)."""
    return isinstance(value, str) and ASCII_DIGITS.fullmatch(value) is not None


def id_or_none(value) -> int | None:
    """The id written in `value` in ASCII digits, or None for anything else."""
    if is_ascii_digits(value) and len(value) <= MAX_ID_DIGITS:
        return int(value)
    return None


def ids_of(values) -> list[int]:
    """The ids among `values` (a list of ticked boxes, say); the others are left out."""
    return [number for number in map(id_or_none, values) if number is not None]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH)


def search_text(request, name: str = "q") -> str:
    """The text of the search box `name` of the query string, checked as a form field: a refused
    one (a NUL byte, past 200 characters) searches for nothing, and the page says why."""
    form = SearchForm({"q": request.GET.get(name, "")})
    if form.is_valid():
        return form.cleaned_data["q"]
    messages.error(request, _("The search wasn't run: %(reason)s") % {"reason": " ".join(form.errors["q"])})
    return ""
