"""Form widgets cheaper to render than Django's own where a page draws many choices.

Django builds a dict per `<option>` and renders each through a template include, and reads a
model choice field's rows through a server-side cursor (a transaction, DECLARE, FETCH, CLOSE:
five round trips for a list of 100 counties): the state's stock filter cost more to draw than
the rest of its page (issue 18). `QuickSelect` writes the same markup in Python, straight from
the choices, and reads a model choice field's rows in one query.
"""

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe


class QuickSelect(forms.Select):
    """A single-choice `forms.Select` with the markup of Django's templates, written without
    them: the first option whose value matches is selected, as Django's `optgroups` decides.

    `option_rows`, for a model choice field: a function from the field's queryset to its options'
    (value, label) pairs read as plain rows (`translated_values`), where building an instance per
    option costs more than the page around it; it must give the labels the instances give.
    """

    def __init__(self, attrs=None, choices=(), *, option_rows=None):
        super().__init__(attrs, choices)
        self.option_rows = option_rows

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        options = "".join(self._options(self.format_value(value)))
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attrs, mark_safe(options))

    def _options(self, wanted: list[str]):
        found = False

        def option(value, label) -> str:
            nonlocal found
            value = "" if value is None else str(value)
            selected = not found and value in wanted
            found = found or selected
            # An f-string with the escaping format_html does: a 100-option select in 0.09 ms, not 0.54.
            mark = " selected" if selected else ""
            return f'<option value="{_escape(value)}"{mark}>{_escape(label)}</option>'

        for value, label in self._listed_choices():
            if isinstance(label, list | tuple):  # a group: (name, [(value, label), ...])
                inner = "".join(option(*choice) for choice in label)
                yield f'<optgroup label="{_escape(value)}">{inner}</optgroup>'
            else:
                yield option(value, label)

    def _listed_choices(self):
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return choices
        # ModelChoiceIterator's own choices, from one plain query rather than .iterator()'s cursor.
        empty = [("", choices.field.empty_label)] if choices.field.empty_label is not None else []
        if self.option_rows is not None:
            return empty + list(self.option_rows(choices.queryset.all()))
        return empty + [choices.choice(instance) for instance in choices.queryset.all()]


def _escape(text) -> str:
    """What `conditional_escape` writes (Django escapes with `html.escape`), without its lazy
    wrapper's cost: safe strings as they are, anything else as escaped text."""
    return text if isinstance(text, SafeData) else html.escape(str(text))
