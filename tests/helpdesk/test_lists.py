"""Every list page runs the same number of queries for few and many rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpdesk.factories import ArticleFactory, CaseFactory, TrainingSessionFactory, requester


def assert_constant_queries(client, url, add_rows, django_assert_num_queries):
    add_rows(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(45)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("help:cases", lambda user, n: CaseFactory.create_batch(n, requester=user)),
        ("help:kb", lambda user, n: ArticleFactory.create_batch(n)),
        ("help:training", lambda user, n: TrainingSessionFactory.create_batch(n)),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(client, db, django_assert_num_queries, url_name, make):
    user = requester()
    client.force_login(user)

    assert_constant_queries(client, reverse(url_name), lambda n: make(user, n), django_assert_num_queries)
