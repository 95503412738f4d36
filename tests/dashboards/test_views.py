"""The state's dashboards and the provider's own, as their readers see them: the figures of a
known scene on the page and in the CSV, the filters, bad input, refused access and a bounded
number of queries."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cvms.models import AuditEvent
from cvms.roles import Role
from tests.dashboards.factories import DURHAM, WAKE, at_noon, scene
from tests.factories import member

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_doses_csv_has_the_days_figures_by_dose_number(state_client):
    scene()
    response = state_client.get(reverse("state:dashboards.chart.csv", args=["doses-day"]))
    rows = _csv(response)
    yesterday = (timezone.localdate() - timedelta(1)).isoformat()
    assert rows[0] == ["Day", "Dose 1", "Dose 2", "Total"]
    assert [yesterday, "2", "1", "3"] in rows
    assert len(rows) == 1 + 28


def test_the_county_filter_narrows_every_chart_and_its_csv(state_client):
    scene()
    page = state_client.get(reverse("state:dashboards.doses"), {"county": DURHAM})
    assert page.status_code == 200
    assert "Durham Clinic" in page.content.decode() and "Wake Clinic" not in page.content.decode()
    rows = _csv(
        state_client.get(reverse("state:dashboards.chart.csv", args=["doses-county"]), {"county": DURHAM})
    )
    assert rows[1:] == [["Durham County", "1"]]


def test_coverage_page_shows_the_county_map_and_the_share_of_people_vaccinated(state_client):
    scene()
    page = state_client.get(reverse("state:dashboards.coverage")).content.decode()
    assert page.count('class="map-county') == 2 * 100  # coverage and SVI, every county
    assert "style=" not in page.split("<main", 1)[1]  # the strict CSP refuses inline styles
    rows = _csv(state_client.get(reverse("state:dashboards.chart.csv", args=["coverage-county"])))
    wake = next(row for row in rows if row[0] == "Wake County")
    assert wake[2:6] == ["2", wake[3], "1", wake[5]]
    from enrollment.models import County

    population = County.objects.get(pk=WAKE).population
    assert float(wake[3]) == round(100 * 2 / population, 2)


def test_a_charts_table_shows_its_rows_with_figures_localized_and_a_note_when_empty(state_client):
    scene()
    page = state_client.get(reverse("state:dashboards.doses"), {"county": DURHAM}).content.decode()
    assert '<tr><th scope="row" class="fw-normal">Durham County</th><td class="text-end">1</td></tr>' in page
    coverage = state_client.get(
        reverse("state:dashboards.coverage"), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    wake = coverage.split('<th scope="row" class="fw-normal">Condado de Wake</th>', 1)[1].split("</tr>", 1)[0]
    assert '<td class="text-end">50,0</td>' in wake  # Spanish writes 50,0 where English writes 50.0
    empty = state_client.get(reverse("state:dashboards.doses"), {"start": "2020-01-01", "end": "2020-01-31"})
    assert empty.content.decode().count("Nothing in this range.") >= 1


def test_the_maps_in_spanish_name_counties_in_spanish_and_write_spanish_decimals(state_client):
    scene()
    coverage = state_client.get(
        reverse("state:dashboards.coverage"), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    titles = re.findall(r'<path class="map-county [^"]*" d="[^"]*"><title>([^<]*)</title>', coverage)
    wake = [title for title in titles if "Wake" in title]
    assert len(wake) == 2  # on the coverage map and on the SVI map
    assert all(title.startswith("Condado de Wake: ") for title in wake)
    assert re.fullmatch(r"Condado de Wake: SVI \d,\d\d", wake[1])  # 0,85 where English writes 0.85
    assert re.fullmatch(r"Condado de Wake: \d+,\d\d %", wake[0])
    assert not any(re.search(r"\d\.\d", title) for title in titles)


def test_equity_counts_hispanic_people_as_minority(state_client):
    scene()
    rows = _csv(state_client.get(reverse("state:dashboards.chart.csv", args=["equity-county"])))
    durham = next(row for row in rows if row[0] == "Durham County")
    wake = next(row for row in rows if row[0] == "Wake County")
    assert durham[2:4] == ["1", "100.0"]  # Cruz: white and Hispanic
    assert wake[2:4] == ["2", "50.0"]  # Ada (white), Ben (Black)


def test_supply_and_pipeline_pages_answer_with_their_figures(state_client):
    scene()
    supply = _csv(state_client.get(reverse("state:dashboards.chart.csv", args=["supply-provider"])))
    assert supply[0] == [
        "Location",
        "Allocated",
        "Delivered",
        "On hand now",
        "Administered",
        "Wasted",
        "Days of supply",
    ]
    # Days of supply: 4 on hand at the 2 doses of the last 7 days (a's second, b's first).
    assert ["Wake Clinic", "0", "9", "4", "3", "2", "14.0"] in supply
    pipeline = _csv(state_client.get(reverse("state:dashboards.chart.csv", args=["pipeline-county"])))
    assert ["Wake County", "3", "0", "0", "2"] in pipeline  # a, b, v registered; a, b vaccinated
    for name in ("state:dashboards.supply", "state:dashboards.pipeline"):
        assert state_client.get(reverse(name)).status_code == 200


def test_an_unknown_chart_is_a_404_and_bad_filters_fall_back_to_the_last_four_weeks(state_client):
    assert state_client.get(reverse("state:dashboards.chart.csv", args=["nope"])).status_code == 404
    page = state_client.get(reverse("state:dashboards.doses"), {"start": "2026-02-30", "county": "x\x00"})
    assert page.status_code == 200
    assert "Enter a valid date." in page.content.decode()
    backwards = state_client.get(
        reverse("state:dashboards.doses"), {"start": "2026-03-02", "end": "2026-03-01"}
    )
    assert "The range starts after it ends." in backwards.content.decode()


def test_adverse_events_list_filters_by_severity_and_exports_the_vaers_number(state_client):
    scene()
    page = state_client.get(reverse("state:dashboards.adverse_events")).content.decode()
    assert "2021-0001234" in page and "Fever and chills" in page
    assert (
        "2021-0001234"
        not in state_client.get(
            reverse("state:dashboards.adverse_events"), {"severity": "severe"}
        ).content.decode()
    )
    rows = _csv(state_client.get(reverse("state:dashboards.adverse_events.csv")))
    assert rows[1][1:5] == ["Moderate", "Fever and chills", "yes", "2021-0001234"]


def test_adverse_events_are_listed_by_their_onset_within_the_ranges_days_in_the_states_time_zone(
    state_client,
):
    from datetime import datetime, time

    from tests.administration.factories import AdverseEventFactory

    zone = timezone.get_current_timezone()
    day = timezone.localdate() - timedelta(3)
    dose = datetime.combine(day - timedelta(1), time(9), tzinfo=zone)  # the day before the range
    late = AdverseEventFactory(
        record__administered_at=dose,
        onset_at=datetime.combine(day, time(23, 30), tzinfo=zone),
        description="Late evening",
    )
    next_day = AdverseEventFactory(
        record__administered_at=dose,
        onset_at=datetime.combine(day + timedelta(1), time(0, 30), tzinfo=zone),
        description="Next morning",
    )
    page = state_client.get(reverse("state:dashboards.adverse_events"), {"start": day, "end": day})
    assert late.description in page.content.decode()
    assert next_day.description not in page.content.decode()


def test_an_adverse_events_row_escapes_what_was_typed_shortens_it_and_says_not_reported(state_client):
    from tests.administration.factories import AdverseEventFactory

    AdverseEventFactory(
        record__administered_at=timezone.now() - timedelta(1), description="<b>Hives</b> " + "x" * 200
    )
    page = state_client.get(reverse("state:dashboards.adverse_events")).content.decode()
    assert "&lt;b&gt;Hives&lt;/b&gt; " + "x" * 106 + "…</td>" in page and "<b>Hives" not in page
    assert '<span class="text-body-secondary">not reported</span>' in page


def test_lagging_locations_are_listed_and_reminded_in_one_step(
    state_client, django_capture_on_commit_callbacks
):
    the_scene = scene()
    admin = member(the_scene.wake.organization, Role.PROVIDER_ADMIN, email="wake-admin@example.org")
    page = state_client.get(reverse("state:dashboards.lag"), {"silent_days": 1})
    # Wake holds 4 doses and recorded its last yesterday; Durham holds none.
    assert page.context["lagging_count"] == 1
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = state_client.post(
            reverse("state:dashboards.lag"), {"silent_days": 1, "location": [the_scene.wake.pk, "999999"]}
        )

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[admin.email]]
    assert "Wake Clinic" in mail.outbox[0].subject
    assert (
        AuditEvent.objects.filter(
            action="dashboards.lag_reminder.sent", target_id=str(the_scene.wake.pk)
        ).count()
        == 1
    )


def test_the_reporting_lag_shows_a_page_of_locations_at_a_time(state_client, monkeypatch):
    scene()
    monkeypatch.setattr("dashboards.views.state.LAG_PAGE_SIZE", 1)
    url = reverse("state:dashboards.lag")

    pages = [state_client.get(url, {"silent_days": 1, "page": number}) for number in (1, 2)]

    shown = [
        {
            name
            for name in ("Wake Clinic", "Durham Clinic")
            if f'fw-normal">{name}<br>' in page.content.decode()
        }
        for page in pages
    ]
    assert shown == [{"Durham Clinic"}, {"Wake Clinic"}]  # never reported first, then the longest silent
    assert "Page 1 of 2" in pages[0].content.decode()
    # The count of lagging locations is the whole state's, whatever the page.
    assert [page.context["lagging_count"] for page in pages] == [1, 1]


def test_a_reminder_to_a_location_that_doesnt_lag_is_refused(state_client):
    the_scene = scene()
    mail.outbox.clear()
    response = state_client.post(
        reverse("state:dashboards.lag"), {"silent_days": 30, "location": [the_scene.wake.pk]}, follow=True
    )
    assert "Choose at least one lagging location." in response.content.decode()
    assert mail.outbox == []


def test_only_state_officials_reach_the_state_dashboards(client_for):
    provider = client_for(Role.PROVIDER_ADMIN)
    assert provider.get(reverse("state:dashboards.doses")).status_code == 403


def test_providers_see_only_their_own_locations(client_for):
    the_scene = scene()
    admin = member(the_scene.wake.organization, Role.PROVIDER_ADMIN)
    client = client_for(user=admin)
    page = client.get(reverse("provider:dashboards.own")).content.decode()
    assert "Wake Clinic" in page and "Durham Clinic" not in page
    assert page.count('<tr><th scope="row" class="fw-normal">') == 28


@pytest.mark.parametrize("name", ["doses", "coverage", "supply", "pipeline", "adverse_events", "lag"])
def test_state_dashboards_run_a_bounded_number_of_queries(state_client, django_assert_max_num_queries, name):
    scene()
    with django_assert_max_num_queries(40):
        state_client.get(reverse(f"state:dashboards.{name}"))
    # Many more doses in many more places: the same number of queries.
    from tests.administration.factories import AdministrationRecordFactory
    from tests.factories import LocationFactory

    for county in ("37001", "37003", "37005"):
        AdministrationRecordFactory(location=LocationFactory(county_id=county), administered_at=at_noon(2))
    from dashboards.services import summaries_refresh

    summaries_refresh(full=True)
    with django_assert_max_num_queries(40):
        state_client.get(reverse(f"state:dashboards.{name}"))


def test_a_chart_kept_in_the_cache_changes_as_soon_as_the_summaries_do(state_client):
    the_scene = scene()
    url = reverse("state:dashboards.chart.csv", args=["doses-county"])
    assert _csv(state_client.get(url))[1:] == [["Wake County", "3"], ["Durham County", "1"]]
    from tests.administration.factories import AdministrationRecordFactory

    AdministrationRecordFactory(
        location=the_scene.durham, lot__product=the_scene.product, administered_at=at_noon(2)
    )
    assert _csv(state_client.get(url))[1:] == [
        ["Wake County", "3"],
        ["Durham County", "1"],
    ]  # not yet summarized

    from dashboards.services import summaries_refresh

    summaries_refresh()
    assert _csv(state_client.get(url))[1:] == [["Wake County", "4"], ["Durham County", "1"]]  # lives in Wake


def test_a_provider_administrator_reading_spanish_is_reminded_in_spanish(
    state_client, django_capture_on_commit_callbacks
):
    the_scene = scene()
    member(the_scene.wake.organization, Role.PROVIDER_ADMIN, email="admin@example.org", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        state_client.post(
            reverse("state:dashboards.lag"), {"silent_days": 1, "location": [the_scene.wake.pk]}
        )
    assert [message.subject for message in mail.outbox] == [
        "Ponga al día los registros de dosis de Wake Clinic"
    ]
    assert "Registre hoy las dosis administradas" in mail.outbox[0].body


def test_the_providers_dashboard_runs_a_bounded_number_of_queries(client_for, django_assert_max_num_queries):
    the_scene = scene()
    admin = member(the_scene.wake.organization, Role.PROVIDER_ADMIN)
    client = client_for(user=admin)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("provider:dashboards.own")).status_code == 200
    from tests.administration.factories import AdministrationRecordFactory, clinic
    from tests.factories import LocationFactory

    for _n in range(3):
        location = LocationFactory(organization=the_scene.wake.organization)
        AdministrationRecordFactory(location=location, administered_at=at_noon(2))
        clinic(location=location)
    from dashboards.services import summaries_refresh

    summaries_refresh(full=True)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("provider:dashboards.own")).content.decode()
    assert page.count("Doses given per day") >= 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_after_a_refresh_that_changed_the_summaries_the_first_official_finds_the_pages_drawn(
    state_client, language
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboards import tasks

    scene()
    assert tasks.summaries_refresh()["pages"] == 2 * 4  # four dashboards, two languages
    for name in ("doses", "coverage", "supply", "pipeline"):
        with CaptureQueriesContext(connection) as queries:
            page = state_client.get(reverse(f"state:dashboards.{name}"), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200 and 'class="chart"' in page.content.decode()
        tables = ("dashboards_doseday", "dashboards_peopleday", "dashboards_supplyday")
        summaries = [query["sql"] for query in queries if any(table in query["sql"] for table in tables)]
        assert summaries == []  # drawn by the worker, not by this request


def test_the_default_range_moves_on_at_midnight_even_when_the_summaries_havent_changed(state_client):
    from datetime import datetime, time

    import time_machine

    scene()
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    tomorrow = today + timedelta(1)
    official = state_client.get(reverse("state:dashboards.doses")).wsgi_request.user
    # Ten minutes apart, across midnight: well within what the cache keeps a drawing.
    with time_machine.travel(datetime.combine(today, time(23, 55), tzinfo=zone), tick=False):
        state_client.force_login(official)
        first = state_client.get(reverse("state:dashboards.doses")).content.decode()
    with time_machine.travel(datetime.combine(tomorrow, time(0, 5), tzinfo=zone), tick=False):
        later = state_client.get(reverse("state:dashboards.doses")).content.decode()
    assert f"to {today:%Y-%m-%d}" in first
    assert f"to {tomorrow:%Y-%m-%d}" in later and f"to {today:%Y-%m-%d}" not in later


def test_a_bar_charts_figures_are_written_as_the_readers_language_writes_numbers():
    from django.utils import translation

    from dashboards import charts

    rows = [("Wake County", 12345), ("Durham County", 2.5)]
    with translation.override("es"):
        spanish = charts.horizontal_bars(rows, title="Dosis")
    with translation.override("en"):
        english = charts.horizontal_bars(rows, title="Doses")
    assert ">12\xa0345</text>" in spanish and ">2,5</text>" in spanish  # Django's Spanish groups with a space
    assert ">12,345</text>" in english and ">2.5</text>" in english
