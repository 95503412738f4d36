"""The series rules table: loaded with the catalogue from inventory/data/series_rules.csv, read by
the clinical evaluator through administration.selectors.clinical, edited in the admin."""

from decimal import Decimal

import pytest
from django.urls import reverse

from administration.selectors.clinical import series_rules
from inventory.models import Product, SeriesRule
from tests.inventory.factories import ProductFactory, SeriesRuleFactory

pytestmark = pytest.mark.django_db


def test_every_product_of_the_catalogue_has_its_rules():
    assert not Product.objects.filter(series_rule__isnull=True).exists()
    assert SeriesRule.objects.count() == Product.objects.count()


def test_pfizer_rules_come_from_the_reference():
    rule = SeriesRule.objects.get(product__ndc="59267-1000-01")  # Pfizer-BioNTech, CVX 208
    assert (rule.primary_doses, rule.min_interval_days, rule.min_age_months, rule.max_age_months) == (
        2,
        21,
        144,
        None,
    )
    assert rule.dose_volume_ml == Decimal("0.3")
    assert sorted({p.cvx for p in rule.completes.all()}) == ["207", "217"]
    assert rule.booster_interval_days == 150


def test_childrens_product_has_an_age_range_and_flu_is_a_series_apart():
    kids = SeriesRule.objects.get(product__ndc="59267-1055-01")  # Pfizer 5-11 y, CVX 218
    assert (kids.min_age_months, kids.max_age_months) == (60, 144)
    flu = SeriesRule.objects.filter(product__cvx="135").get()
    assert (flu.vaccine, flu.min_age_months) == ("Influenza", 780)


def test_evaluator_reads_the_table_and_falls_back_to_the_products_fields():
    with_rule = SeriesRuleFactory(min_age_months=216, booster_interval_days=60)
    without = ProductFactory(series_doses=1, min_interval_days=None, dose_volume_ml="0.5")
    rules = series_rules()
    assert (
        rules[with_rule.product_id].min_age_months,
        rules[with_rule.product_id].booster_interval_days,
    ) == (
        216,
        60,
    )
    assert (rules[without.pk].primary_doses, rules[without.pk].min_age_months) == (1, None)
    assert rules[without.pk].dose_volume_ml == Decimal("0.5")


def test_operators_edit_the_rules_in_the_admin(admin_client):
    rule = SeriesRule.objects.get(product__ndc="59267-1000-01")
    url = reverse("admin:inventory_seriesrule_change", args=[rule.pk])
    assert "Doses in the primary series" in admin_client.get(url).content.decode()
    answer = admin_client.post(
        url,
        {
            "product": rule.product_id,
            "vaccine": "COVID-19",
            "primary_doses": 2,
            "min_interval_days": 21,
            "recommended_interval_days": 42,
            "min_age_months": 192,
            "dose_volume_ml": "0.3",
            "completes": [p.pk for p in rule.completes.all()],
            "grace_days": 4,
            "notes": "16+ y (the first EUA)",
        },
    )
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert (rule.min_age_months, rule.recommended_interval_days, rule.booster_interval_days) == (
        192,
        42,
        None,
    )
    assert series_rules()[rule.product_id].min_age_months == 192


def test_a_process_reads_the_rules_once_and_again_after_a_rule_is_saved(django_assert_num_queries):
    rule = SeriesRule.objects.get(product__ndc="59267-1000-01")
    with django_assert_num_queries(3):
        series_rules()
    with django_assert_num_queries(0):
        assert series_rules()[rule.product_id].min_age_months == 144

    rule.min_age_months = 192
    rule.save()

    with django_assert_num_queries(3):
        assert series_rules()[rule.product_id].min_age_months == 192


def test_a_change_to_what_a_rule_completes_or_to_a_product_is_seen_at_once():
    rule = SeriesRule.objects.get(product__ndc="59267-1000-01")
    other = ProductFactory()
    series_rules()

    rule.completes.add(other)
    assert other.pk in series_rules()[rule.product_id].completes

    other.name = "Renamed"
    other.save()
    assert series_rules()[other.pk].name == "Renamed"


def test_another_processs_edit_is_seen_once_the_copy_is_older_than_its_max_age(monkeypatch):
    from administration.selectors import clinical

    rule = SeriesRule.objects.get(product__ndc="59267-1000-01")
    series_rules()
    # Another process's edit: no signal reaches this one.
    SeriesRule.objects.filter(pk=rule.pk).update(min_age_months=192)
    assert series_rules()[rule.product_id].min_age_months == 144

    monkeypatch.setattr(clinical, "SERIES_RULES_MAX_AGE", 0.0)
    assert series_rules()[rule.product_id].min_age_months == 192
