"""The summary tables hold the figures of the records they summarize, whatever happens to a
record afterwards (a dose recorded later for an earlier day, a void)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from administration.services import recording
from dashboards import selectors
from dashboards.enums import DoseDimension, Milestone, SupplyKind
from dashboards.models import DoseDay
from dashboards.selectors import Filters
from dashboards.services import summaries_refresh
from enrollment.models import County
from inventory.enums import WasteReason
from tests.administration.factories import AdministrationRecordFactory
from tests.dashboards.factories import DURHAM, WAKE, at_noon, scene
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _week(**kwargs) -> Filters:
    """The last four weeks (the dashboards' default range)."""
    today = timezone.localdate()
    return Filters(start=today - timedelta(27), end=today, **kwargs)


def test_doses_per_day_count_each_dose_number_and_leave_the_voided_dose_out():
    scene()
    by_day = selectors.doses_by_day(_week())
    today = timezone.localdate()
    assert by_day[today - timedelta(22)] == {"1": 1}
    assert by_day[today - timedelta(2)] == {}
    assert by_day[today - timedelta(1)] == {"1": 2, "2": 1}
    assert by_day[today] == {}


def test_doses_break_down_by_county_age_sex_race_and_ethnicity():
    scene()
    week = _week()
    assert dict(selectors.doses_by_key(week, "county_id")) == {WAKE: 3, DURHAM: 1}
    assert dict(selectors.doses_by(week, DoseDimension.AGE)) == {"75+": 2, "25-39": 1, "18-24": 1}
    assert dict(selectors.doses_by(week, DoseDimension.SEX)) == {"F": 3, "M": 1}
    assert dict(selectors.doses_by(week, DoseDimension.RACE)) == {"2106-3": 3, "2054-5": 1}
    assert dict(selectors.doses_by(week, DoseDimension.ETHNICITY)) == {"2186-5": 3, "2135-2": 1}


def test_filters_narrow_the_doses_to_a_county_and_a_group():
    the_scene = scene()
    wake = County.objects.get(pk=WAKE)
    assert dict(selectors.doses_by(_week(county=wake), DoseDimension.LOCATION)) == {str(the_scene.wake.pk): 3}
    from enrollment.models import PriorityGroup

    group_2 = PriorityGroup.objects.get(code="2")
    assert dict(selectors.doses_by_key(_week(group=group_2), "county_id")) == {WAKE: 1, DURHAM: 1}


def test_coverage_counts_people_with_a_first_dose_and_with_a_completed_series():
    scene()
    people = selectors.people_by_county(_week())
    assert people[WAKE] == {Milestone.FIRST: 2, Milestone.COMPLETED: 1}
    assert people[DURHAM] == {Milestone.FIRST: 1, Milestone.COMPLETED: 0}


def test_supply_counts_delivered_administered_and_wasted_per_location():
    the_scene = scene()
    figures = selectors.supply(_week(), "location_id")[the_scene.wake.pk]
    # Each of the four doses recorded at Wake brought its own dose in (the factory), plus 5.
    assert figures[SupplyKind.DELIVERED] == 4 + 5
    assert figures[SupplyKind.ADMINISTERED] == 3  # the voided dose went back to stock
    assert figures[SupplyKind.WASTED] == 2
    assert figures["on_hand"] == 9 - 3 - 2
    assert selectors.wastage(_week(), "reason") == [(WasteReason.BROKEN_VIAL, 2)]


def test_a_dose_recorded_later_for_an_earlier_day_is_counted_at_the_next_refresh():
    the_scene = scene()
    record = AdministrationRecordFactory(
        location=the_scene.durham, lot__product=the_scene.product, administered_at=at_noon(3)
    )
    assert selectors.doses_by_day(_week())[timezone.localdate() - timedelta(3)] == {}

    result = summaries_refresh()

    assert result["days"] >= 1
    assert selectors.doses_by_day(_week())[timezone.localdate() - timedelta(3)] == {"1": 1}
    recording.dose_void(record=record, reason="Wrong person", by=UserFactory())
    summaries_refresh()
    assert selectors.doses_by_day(_week())[timezone.localdate() - timedelta(3)] == {}


def test_a_refresh_with_nothing_new_rebuilds_no_day():
    scene()
    rows = DoseDay.objects.count()
    summaries_refresh(now=timezone.now() + timedelta(hours=1))
    assert summaries_refresh(now=timezone.now() + timedelta(hours=2)) == {"days": 0, "rows": 0}
    assert DoseDay.objects.count() == rows


def test_a_refresh_that_finds_nothing_new_keeps_the_charts_drawn_and_a_change_redraws_them():
    import time_machine

    from dashboards.tables import summaries_version

    the_scene = scene()
    start = timezone.now()
    for minutes in (0, 10):  # the second run looks back over the first's last minutes again
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            summaries_refresh()
    drawn = summaries_version()
    # Past that overlap nothing has changed: the version stays, and with it every chart drawn.
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        summaries_refresh()
    assert summaries_version() == drawn
    with time_machine.travel(start + timedelta(minutes=21), tick=False):
        AdministrationRecordFactory(location=the_scene.wake, administered_at=at_noon(1))
        summaries_refresh()
    assert summaries_version() != drawn
