import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from cvms.models import AuditEvent
from cvms.pagination import BoundedPaginator
from cvms.templatetags.cvms_pagination import page_url
from tests.factories import AuditEventFactory


def test_page_url_keeps_filters_and_replaces_the_page():
    request = RequestFactory().get("/list/", {"status": "open", "q": "José", "page": "2"})

    assert page_url({"request": request}, 3) == "?status=open&q=Jos%C3%A9&page=3"


def test_page_url_on_an_unfiltered_list_is_the_page_alone():
    request = RequestFactory().get("/list/")

    assert page_url({"request": request}, 2) == "?page=2"


def test_pagination_links_keep_the_search_on_every_page():
    from django.core.paginator import Paginator

    request = RequestFactory().get("/list/", {"q": "wake", "page": "2"})
    page = Paginator(range(30), 10).get_page(2)

    html = Template('{% include "cvms/_pagination.html" %}').render(
        Context({"request": request, "page_obj": page})
    )

    assert 'href="?q=wake&amp;page=1">Previous</a>' in html
    assert 'href="?q=wake&amp;page=3">Next</a>' in html
    assert "Page 2 of 3" in html


# --- Lists too long to count (issue 18) --------------------------------------------------------


@pytest.fixture
def seven_events(db):
    for number in range(7):
        AuditEventFactory(actor=None, action=f"test.event.{number}")
    return AuditEvent.objects.order_by("id")


@override_settings(LIST_COUNT_LIMIT=10)
def test_bounded_paginator_counts_a_short_list_exactly(seven_events):
    paginator = BoundedPaginator(seven_events, 2)

    assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (7, True, 4)
    with pytest.raises(EmptyPage):
        paginator.page(5)


@override_settings(LIST_COUNT_LIMIT=4)
def test_bounded_paginator_stops_counting_at_the_limit(seven_events, django_assert_num_queries):
    paginator = BoundedPaginator(seven_events, 2)

    with django_assert_num_queries(1) as captured:
        assert (paginator.count, paginator.count_is_exact) == (5, False)
    assert "LIMIT 5" in captured.captured_queries[0]["sql"]


@override_settings(LIST_COUNT_LIMIT=4)
def test_bounded_paginator_pages_past_the_limit_know_whether_another_follows(seven_events):
    paginator = BoundedPaginator(seven_events, 2)
    actions = [[event.action for event in paginator.page(number)] for number in (1, 3, 4)]

    assert actions == [
        ["test.event.0", "test.event.1"],
        ["test.event.4", "test.event.5"],
        ["test.event.6"],
    ]
    assert [paginator.page(number).has_next() for number in (1, 3, 4)] == [True, True, False]
    assert paginator.page(4).has_previous()


@override_settings(LIST_COUNT_LIMIT=4)
@pytest.mark.parametrize("number", [5, 0, -1])
def test_bounded_paginator_refuses_a_page_past_the_end_or_before_the_first(seven_events, number):
    with pytest.raises(EmptyPage):
        BoundedPaginator(seven_events, 2).page(number)


@override_settings(LIST_COUNT_LIMIT=4)
def test_bounded_paginator_refuses_a_page_that_is_not_a_number(seven_events):
    with pytest.raises(PageNotAnInteger):
        BoundedPaginator(seven_events, 2).page("two")


@override_settings(LIST_COUNT_LIMIT=4)
def test_pagination_of_a_list_too_long_to_count_says_more_than(seven_events):
    request = RequestFactory().get("/list/", {"page": "3"})
    page = BoundedPaginator(seven_events, 2).page(3)

    html = Template('{% include "cvms/_pagination.html" %}').render(
        Context({"request": request, "page_obj": page})
    )

    assert "Page 3 of more than 3" in html
    assert 'href="?page=4">Next</a>' in html


@override_settings(LIST_COUNT_LIMIT=4)
def test_pagination_of_a_list_too_long_to_count_says_how_many_on_its_last_page(seven_events):
    request = RequestFactory().get("/list/", {"page": "4"})
    page = BoundedPaginator(seven_events, 2).page(4)

    html = Template('{% include "cvms/_pagination.html" %}').render(
        Context({"request": request, "page_obj": page})
    )

    assert "Page 4 of 4" in html
    assert "Next" not in html


@override_settings(LIST_COUNT_LIMIT=10)
def test_bounded_paginator_counts_the_rows_it_is_given_to_count(seven_events, django_assert_num_queries):
    shown = seven_events.values("action", "actor__email")
    paginator = BoundedPaginator(shown, 2, count_rows=seven_events.values("pk"))

    with django_assert_num_queries(1) as captured:
        assert (paginator.count, paginator.num_pages) == (7, 4)
    assert "cvms_user" not in captured.captured_queries[0]["sql"]  # the shown join, not counted
    assert [row["action"] for row in paginator.page(4)] == ["test.event.6"]
