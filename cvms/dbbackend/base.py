"""Django's PostgreSQL backend, waiting out a database restart when it opens a connection.

While PostgreSQL restarts (an upgrade, a failover, `pg_ctl restart`), a new connection is
refused, or told that the database system is starting up or shutting down, for a few seconds.
Without a wait every request of those seconds fails at once with a server error, thousands of
them under load; with it they wait until the server is back (at most DATABASE_CONNECT_WAIT
seconds) and are served. Nothing has run on a connection that could not be opened, so trying
again is safe for any request, a POST too. Any other refusal (a wrong password, a database that
does not exist) fails at once, as before. A connection cut while in use is not retried here:
its transaction rolled back, and the request answers 503 (cvms.middleware)."""

import time

import psycopg
from django.conf import settings
from django.db import DatabaseError
from django.db.backends.postgresql import base

# libpq's and the server's words for "not now, try again in a moment".
UNAVAILABLE = (
    "Connection refused",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "server closed the connection unexpectedly",
)


# ... and for a connection cut while in use (its server stopped: its transaction rolled back).
LOST = (
    *UNAVAILABLE,
    "terminating connection",
    "consuming input failed",
    "connection is closed",
    "connection already closed",
    "the connection is lost",
)


def is_unavailable(error: Exception) -> bool:
    return isinstance(error, psycopg.OperationalError) and any(words in str(error) for words in UNAVAILABLE)


def is_connection_lost(error: Exception) -> bool:
    """A database error of a request whose database went away (stopped, restarting)."""
    return isinstance(error, DatabaseError) and any(words in str(error) for words in LOST)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        deadline = time.monotonic() + getattr(settings, "DATABASE_CONNECT_WAIT", 0)
        pause = 0.05
        while True:
            try:
                return super().get_new_connection(conn_params)
            except psycopg.OperationalError as error:
                if not is_unavailable(error) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
