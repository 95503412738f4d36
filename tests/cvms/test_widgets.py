"""QuickSelect draws what Django's Select draws, without a template per option (issue 18)."""

import re

import pytest
from django import forms
from django.db import connection

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


def _cursors_used(widget) -> list:
    """The database cursors a model choice field's select is drawn with."""

    class Filter(forms.Form):
        county = forms.ModelChoiceField(County.objects.all(), required=False, widget=widget)

    cursors = []

    def spy(execute, sql, params, many, context):
        cursors.append(context["cursor"].cursor)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        html = str(Filter()["county"])
    assert html.count("<option") == County.objects.count() + 1
    return cursors


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors are PostgreSQL's")
def test_quick_select_reads_a_model_choice_field_without_a_server_side_cursor():
    import psycopg

    quick, django_ = _cursors_used(QuickSelect), _cursors_used(forms.Select)

    assert len(quick) == 1 and not isinstance(quick[0], psycopg.ServerCursor)
    # The control: Django's own Select reads the same rows through a server-side cursor.
    assert any(isinstance(cursor, psycopg.ServerCursor) for cursor in django_)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_options_read_as_rows_are_the_options_instances_give(language):
    from django.utils import translation

    from enrollment.selectors import county_options
    from inventory.forms import product_options
    from inventory.models import Product
    from tests.inventory.factories import ProductFactory

    ProductFactory(name="Vacuna & <Co>")
    chosen = County.objects.order_by("name")[3]

    def bound(model, widget):
        class Filter(forms.Form):
            place = forms.ModelChoiceField(model.objects.all(), required=False, widget=widget)

        return str(Filter({"place": model.objects.order_by("pk").last().pk})["place"])

    with translation.override(language):
        for model, rows in ((County, county_options), (Product, product_options)):
            assert _same_markup(bound(model, QuickSelect(option_rows=rows))) == _same_markup(
                bound(model, forms.Select)
            )
        assert f'<option value="{chosen.pk}">{chosen}</option>' in bound(
            County, QuickSelect(option_rows=county_options)
        )
