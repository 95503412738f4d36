"""A request that waits too long for a row someone else holds locked answers "please try again"
(503, Retry-After) in the site's layout, and changes nothing."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from cvms.locking import LockTimeout, lock_one
from cvms.middleware import LockTimeoutMiddleware
from cvms.models import AuditEvent
from cvms.roles import Role
from enrollment.models import PriorityGroup
from tests.factories import UserFactory


@pytest.fixture
def held_row():
    """Hold the row lock of one model instance in another thread until the test is done."""
    holding, release, threads = threading.Event(), threading.Event(), []

    def hold(instance):
        def work():
            try:
                with transaction.atomic():
                    lock_one(type(instance).objects.all(), pk=instance.pk)
                    holding.set()
                    release.wait(timeout=30)
            finally:
                connection.close()

        thread = threading.Thread(target=work)
        threads.append(thread)
        thread.start()
        assert holding.wait(timeout=10)

    yield hold
    release.set()
    for thread in threads:
        thread.join(timeout=10)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lock_held_too_long_answers_please_try_again_in_the_sites_layout(client, settings, held_row):
    settings.LOCK_TIMEOUT_MS = 200
    group = PriorityGroup.objects.get(code="3a")
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))
    groups_page = "http://testserver" + reverse("state:recipients.groups")
    held_row(group)

    response = client.post(
        reverse("state:recipients.group.open", kwargs={"priority_group_pk": group.pk}),
        headers={"referer": groups_page},
    )

    content = response.content.decode()
    assert (response.status_code, response["Retry-After"]) == (503, "2")
    assert "Many people are doing this at the same moment. Please try again." in content
    assert f'<a class="btn btn-primary" href="{groups_page}">Back to the page</a>' in content
    assert '<main id="main"' in content  # the site's layout, not a bare error
    group.refresh_from_db()
    assert not group.is_open
    assert not AuditEvent.objects.filter(action="recipients.priority_group.opened").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_request_goes_through_once_the_lock_is_free(client, settings):
    settings.LOCK_TIMEOUT_MS = 200
    group = PriorityGroup.objects.get(code="3a")
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))

    response = client.post(reverse("state:recipients.group.open", kwargs={"priority_group_pk": group.pk}))

    group.refresh_from_db()
    assert response.status_code == 302
    assert group.is_open


def _answer(request, exception):
    request.user = AnonymousUser()
    return LockTimeoutMiddleware(lambda request: None).process_exception(request, exception)


def test_a_page_that_was_only_read_links_back_to_itself(db):
    response = _answer(RequestFactory().get("/state/groups/?page=2"), LockTimeout())

    assert response.status_code == 503
    assert 'href="/state/groups/?page=2"' in response.content.decode()


def test_a_form_sent_from_another_site_links_back_home_not_there(db):
    request = RequestFactory().post("/state/groups/1/open/", headers={"referer": "https://evil.example/"})

    response = _answer(request, LockTimeout())

    assert response.status_code == 503
    assert f'href="{reverse("home")}"' in response.content.decode()
    assert "evil.example" not in response.content.decode()


def test_other_errors_are_left_to_django():
    assert _answer(RequestFactory().get("/"), ValueError("not a lock")) is None
