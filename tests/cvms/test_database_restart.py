"""PostgreSQL restarting under the site: opening a connection waits until the server is back (a
refused connection is tried again, for at most DATABASE_CONNECT_WAIT seconds), any other refusal
fails at once, and a request whose connection is cut underneath it answers "please try again"
(503) rather than a server error. Measured end to end by bench/pg_restart.py."""

import socket
import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from django.test import RequestFactory
from django.utils import translation

from cvms.dbbackend.base import DatabaseWrapper, is_connection_lost
from cvms.locking import LockTimeout
from cvms.middleware import DatabaseUnavailableMiddleware
from cvms.views import server_error

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class LateProxy:
    """A TCP port that refuses connections (nothing listens) until `opens()`, then forwards each
    to the test database's server, as a restarting PostgreSQL refuses, then serves."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener = None

    def opens(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


@pytest.fixture
def late_proxy():
    settings_dict = connection.settings_dict
    proxy = LateProxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    yield proxy
    proxy.close()


def wrapper_through(proxy: LateProxy, **changes) -> DatabaseWrapper:
    return DatabaseWrapper(
        {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": proxy.port, **changes}, alias="restarting"
    )


def test_a_connection_refused_while_the_server_restarts_waits_until_it_is_back(settings, late_proxy):
    settings.DATABASE_CONNECT_WAIT = 10
    database = wrapper_through(late_proxy)
    threading.Timer(0.5, late_proxy.opens).start()
    started = time.monotonic()
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        database.close()
    assert 0.4 < time.monotonic() - started < 5


def test_the_wait_is_bounded(settings, late_proxy):
    settings.DATABASE_CONNECT_WAIT = 0.3
    database = wrapper_through(late_proxy)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="Connection refused"):
        database.ensure_connection()
    assert time.monotonic() - started < 2


def test_a_database_that_does_not_exist_fails_at_once(settings, late_proxy):
    settings.DATABASE_CONNECT_WAIT = 10
    late_proxy.opens()
    database = wrapper_through(late_proxy, NAME="cvms_no_such_database")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="does not exist"):
        database.ensure_connection()
    assert time.monotonic() - started < 2


def cut_connection_error() -> OperationalError:
    """The error a request meets when its server stops underneath it: a second connection's
    backend is terminated, as `pg_ctl stop -m fast` terminates every backend, then used."""
    victim = connections.create_connection("default")
    try:
        with victim.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(OperationalError) as cut, victim.cursor() as cursor:
            cursor.execute("SELECT 1")
        return cut.value
    finally:
        victim.close()


def test_a_request_whose_connection_is_cut_asks_to_try_again_in_a_moment():
    error = cut_connection_error()
    request = RequestFactory().post("/me/")

    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, error)

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    content = response.content.decode()
    assert "The service was briefly unavailable and nothing was changed." in content
    assert '<main id="main"' in content  # the site's layout, rendered without the request


def test_the_try_again_page_is_in_spanish_for_a_spanish_reader():
    error = cut_connection_error()
    with translation.override("es"):
        response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(
            RequestFactory().get("/"), error
        )
    assert "El servicio no estuvo disponible durante un momento y no se cambió nada." in (
        response.content.decode()
    )


def test_other_errors_are_left_to_their_own_pages():
    assert not is_connection_lost(LockTimeout())
    assert not is_connection_lost(OperationalError('relation "nothing" does not exist'))
    assert (
        DatabaseUnavailableMiddleware(lambda r: None).process_exception(
            RequestFactory().get("/"), ValueError("not the database")
        )
        is None
    )


def test_a_database_gone_before_the_view_is_please_try_again_too():
    """Raised by a middleware (reading the session) rather than the view, the error reaches
    the 500 handler, which answers the same 503."""
    error = cut_connection_error()
    try:
        raise error
    except OperationalError:
        response = server_error(RequestFactory().get("/"))
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert "The service was briefly unavailable and nothing was changed." in response.content.decode()


def test_any_other_error_is_still_the_500_page():
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
