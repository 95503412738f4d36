"""The rows the state's lists write in Python say what the template filters they replace said
(cvms/rows.py, issue 18)."""

from datetime import UTC, date, datetime

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from cvms.rows import choice_labels, esc, intcomma, local_date, or_dash, row_url, rows_html
from enrollment.models import Organization


def _template(source: str, **context) -> str:
    return engines["django"].from_string("{% load humanize %}" + source).render(context)


MOMENTS = [
    datetime(2026, 3, 8, 6, 59, 5, 120000, tzinfo=UTC),  # the night New York moves its clocks
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # another day (and year) in New York
    datetime(987, 1, 2, 3, 4, 5, tzinfo=UTC),  # a year of three digits
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("format_string", ["c", "Y-m-d H:i:s", "Y-m-d", "SHORT_DATETIME_FORMAT"])
def test_a_moment_is_written_as_the_date_filter_writes_it_in_the_time_zone(language, moment, format_string):
    with translation.override(language):
        expected = _template("{{ value|date:format_string }}", value=moment, format_string=format_string)

        assert local_date(moment, format_string) == expected


@pytest.mark.parametrize("day", [date(2026, 2, 9), date(987, 1, 2)])
def test_a_day_is_written_as_the_date_filter_writes_it(day):
    assert local_date(day, "Y-m-d") == _template('{{ value|date:"Y-m-d" }}', value=day)
    assert local_date(None, "Y-m-d") == ""


@pytest.mark.parametrize("value", ["Alamance & <Co>", 'O\'Hara "Jr"', 1234567, mark_safe("<b>kept</b>")])
def test_text_is_escaped_as_a_template_escapes_it(value):
    assert esc(value) == _template("{{ value }}", value=value)
    assert or_dash(value) == _template('{{ value|default:"—" }}', value=value)


@pytest.mark.parametrize("value", ["", None, 0])
def test_nothing_is_a_dash(value):
    assert or_dash(value) == "—" == _template('{{ value|default:"—" }}', value=value)


@pytest.mark.parametrize("language", ["en", "es"])
def test_numbers_are_grouped_as_intcomma_groups_them(language):
    with translation.override(language):
        assert intcomma(1234567) == _template("{{ value|intcomma }}", value=1234567)


def test_a_row_link_is_the_url_of_its_key():
    url = row_url("state:recipients.recipient")

    assert [url(pk) for pk in (1, 42, 2_147_483_647)] == [
        reverse("state:recipients.recipient", args=[pk]) for pk in (1, 42, 2_147_483_647)
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_choice_labels_are_the_models_display_values(language):
    with translation.override(language):
        labels = choice_labels(Organization, "kind")

        for kind, _label in Organization._meta.get_field("kind").choices:
            assert labels[kind] == Organization(kind=kind).get_kind_display()


def test_rows_are_joined_as_one_safe_string():
    html = rows_html(["a&b", "c"], lambda item: f"<tr><td>{esc(item)}</td></tr>")

    assert html == "<tr><td>a&amp;b</td></tr><tr><td>c</td></tr>"
    assert _template("{{ rows }}", rows=html) == html
