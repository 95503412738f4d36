"""A request that waits too long for a row someone else holds locked answers "please try again"
(503, Retry-After) in the site's layout, and changes nothing: through the lock helpers or not
(every connection of a web process waits at most LOCK_TIMEOUT_MS); Celery workers wait."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from administration.enums import AppointmentStatus
from administration.models import Appointment, Slot
from cvms import locking
from cvms.celery import _workers_wait_for_locks_unbounded
from cvms.locking import LockTimeout, lock_one
from cvms.middleware import LockTimeoutMiddleware
from cvms.models import AuditEvent, User
from cvms.roles import Role
from enrollment.models import PriorityGroup
from tests.administration.factories import AppointmentFactory, clinic
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


@pytest.fixture
def web_connection(settings, transactional_db):
    """The test's connection opened again, as a web process opens one, with a short lock wait;
    closed after the test, so the next test's opens with the usual wait."""
    settings.LOCK_TIMEOUT_MS = 200
    connection.close()
    yield
    connection.close()


def _lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_web_processs_connections_wait_at_most_lock_timeout_ms_for_any_lock(web_connection):
    assert _lock_timeout() == "200ms"


@pytest.mark.postgres
def test_a_celery_workers_connections_wait_for_locks_as_long_as_it_takes(web_connection, monkeypatch):
    monkeypatch.setattr(locking, "_bounded_connections", True)
    _workers_wait_for_locks_unbounded()  # what `celery worker` sends before it forks
    connection.close()

    assert _lock_timeout() == "0"


@pytest.mark.postgres
def test_a_request_waiting_outside_the_lock_helpers_answers_please_try_again(
    client, web_connection, held_row
):
    """A no-show is a conditional UPDATE, not a helper's lock: while a dose is being recorded on
    the appointment (its row held), the request gives up after LOCK_TIMEOUT_MS with the 503 page
    instead of waiting for as long as the recording takes."""
    the_clinic = clinic()
    appointment = AppointmentFactory(slot=the_clinic.slots.first())
    Slot.objects.filter(pk=appointment.slot_id).update(starts_at=timezone.now() - timedelta(hours=1))
    client.force_login(the_clinic.created_by)
    held_row(appointment)

    started = time.monotonic()
    response = client.post(
        reverse(
            "provider:administration.appointment.no_show",
            kwargs={"clinic_pk": the_clinic.pk, "appointment_pk": appointment.pk},
        )
    )

    assert (response.status_code, response["Retry-After"]) == (503, "2")
    assert "Many people are doing this at the same moment. Please try again." in response.content.decode()
    assert time.monotonic() - started < 10  # the row is held for 30 s
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


@pytest.mark.postgres
def test_a_wait_outside_the_lock_helpers_gives_up_too_and_answers_please_try_again(web_connection, held_row):
    """A plain `select_for_update()` (or an UPDATE of a held row) on a web process's connection
    waits at most LOCK_TIMEOUT_MS too; PostgreSQL's refusal gets the same 503 page."""
    user = UserFactory()
    held_row(user)

    with pytest.raises(OperationalError) as gave_up, transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
    response = _answer(RequestFactory().post("/provider/"), gave_up.value)

    assert locking.is_lock_timeout(gave_up.value)
    assert (response.status_code, response["Retry-After"]) == (503, "2")


@pytest.mark.postgres
def test_a_lock_on_a_web_processs_connection_costs_no_statement_of_its_own(web_connection):
    """The connection already waits at most LOCK_TIMEOUT_MS: the lock is its one statement."""
    user = UserFactory()

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        lock_one(User.objects.all(), pk=user.pk)
        timeout = _lock_timeout()

    assert timeout == "200ms"
    assert [q["sql"] for q in queries.captured_queries if "lock_timeout" in q["sql"]] == ["SHOW lock_timeout"]


@pytest.mark.postgres
def test_a_celery_workers_lock_waits_at_most_lock_timeout_ms_all_the_same(web_connection, monkeypatch):
    monkeypatch.setattr(locking, "_bounded_connections", True)
    _workers_wait_for_locks_unbounded()
    connection.close()
    user = UserFactory()

    with transaction.atomic():
        lock_one(User.objects.all(), pk=user.pk)
        assert _lock_timeout() == "200ms"  # for the helper's transaction
    assert _lock_timeout() == "0"  # and unbounded again after it
