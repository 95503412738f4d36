from django.template import Context, Template
from django.test import RequestFactory

from cvms.templatetags.cvms_pagination import page_url


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
