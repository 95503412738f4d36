"""QuickSelect draws what Django's Select draws, without a template per option (issue 18)."""

import re

import pytest
from django import forms

from cvms.widgets import QuickSelect
from enrollment.models import County

CHOICES = [("", "Any"), ("a", "Alamance & <Co>"), ("Piedmont", [("b", "Burke"), ("c", "Caswell")])]


def _form(widget, **field):
    class Filter(forms.Form):
        place = forms.ChoiceField(choices=CHOICES, required=False, widget=widget, **field)

    return Filter


def _same_markup(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("data", [None, {"place": "a"}, {"place": "c"}, {"place": ""}])
def test_quick_select_draws_the_markup_of_djangos_select(data):
    quick = _form(QuickSelect(attrs={"class": "form-select"}))(data)["place"]
    django_ = _form(forms.Select(attrs={"class": "form-select"}))(data)["place"]

    assert _same_markup(quick) == _same_markup(django_)


def test_quick_select_escapes_labels_and_marks_the_choice():
    html = str(_form(QuickSelect)({"place": "b"})["place"])

    assert '<option value="a">Alamance &amp; &lt;Co&gt;</option>' in html
    assert '<optgroup label="Piedmont"><option value="b" selected>Burke</option>' in html
    assert html.count(" selected") == 1


@pytest.mark.django_db
def test_quick_select_draws_a_model_choice_as_djangos_select():
    county = County.objects.order_by("name")[3]

    def bound(widget):
        class Filter(forms.Form):
            county = forms.ModelChoiceField(County.objects.all(), required=False, widget=widget)

        return Filter({"county": county.pk})["county"]

    quick, django_ = bound(QuickSelect), bound(forms.Select)

    assert _same_markup(quick) == _same_markup(django_)
    assert f'<option value="{county.pk}" selected>{county.name}</option>' in str(quick)
