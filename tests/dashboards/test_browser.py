"""Acceptance 1 of issue 15, in Chromium: a state official opens the dashboards, filters by a
county, and downloads a chart's CSV; its figures are the ones computed by hand on the known
scene (tests/dashboards/factories.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cvms.roles import Role
from tests.browser import serious_accessibility_violations
from tests.clients import SignInClient
from tests.dashboards.factories import scene
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sign_in(page, live_server, user) -> None:
    client = SignInClient()
    client.force_login(user)  # with the second factor a state official needs
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip


def _download(page, link) -> list[list[str]]:
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), encoding="utf-8-sig") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


def test_official_filters_by_county_and_downloads_the_figures_computed_by_hand(page, live_server):
    scene()
    _sign_in(page, live_server, UserFactory(roles=[Role.STATE_OFFICIAL]))
    page.goto(f"{live_server.url}/state/")
    page.get_by_role("link", name="Dashboards", exact=True).click()
    assert page.get_by_role("heading", name="Doses given per day").is_visible()

    page.get_by_label("County", exact=True).select_option(label="Durham County")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**county=37063**")

    # Durham: Cruz's first dose yesterday, nothing else.
    yesterday = (timezone.localdate() - timedelta(1)).isoformat()
    by_day = _download(page, page.locator("[data-chart-csv=doses-day]"))
    assert by_day[0] == ["Day", "Dose 1", "Total"]
    assert [row for row in by_day[1:] if row[-1] != "0"] == [[yesterday, "1", "1"]]
    by_county = _download(page, page.locator("[data-chart-csv=doses-county]"))
    assert by_county == [["County", "Doses"], ["Durham County", "1"]]
    by_age = _download(page, page.locator("[data-chart-csv=doses-age]"))
    assert by_age == [["Age", "Doses"], ["18-24", "1"]]

    # The page's own table says the same, and the page is clean for axe.
    table = page.locator("#doses-county table")
    assert table.locator("tbody tr").all_inner_texts() == ["Durham County\t1"]
    assert serious_accessibility_violations(page) == []

    # Coverage of the whole state: Wake 2 people with a first dose and 1 complete, Durham 1.
    page.get_by_role("link", name="Coverage and equity").click()
    page.get_by_label("County", exact=True).select_option(label="All")
    page.get_by_role("button", name="Apply").click()
    coverage = _download(page, page.locator("[data-chart-csv=coverage-county]"))
    rows = {row[0]: row for row in coverage[1:]}
    assert (rows["Wake County"][2], rows["Wake County"][4]) == ("2", "1")
    assert (rows["Durham County"][2], rows["Durham County"][4]) == ("1", "0")
