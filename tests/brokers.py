"""A broker that is down, for the tests of the outbox (issue 13, finding 6): Celery pointed at a
port where nothing listens, as when Redis is down, restarting or unreachable."""

from cvms.celery import app

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def forget_broker_connections():
    """Celery keeps its connections (and the broker address they were made for) in pools."""
    app._pool = None
    app.amqp._producer_pool = None


def broker_down(settings):
    """Configure Celery for a broker that can't be reached; undo it when the generator resumes.
    The `broker_down` fixture (tests/conftest.py) wraps it."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Publishing goes to the write URL (the broker URL itself may come from the environment,
    # which Celery lets win over its configuration).
    app.conf.update(broker_write_url=UNREACHABLE_BROKER, task_always_eager=False)
    forget_broker_connections()
    yield
    app.conf.update(broker_write_url=None, task_always_eager=True)
    forget_broker_connections()


def back_up():
    """The broker is back (in these tests: tasks run in-process again)."""
    app.conf.update(task_always_eager=True)


def down_again():
    """After `back_up()`, within a test that uses the `broker_down` fixture: down once more."""
    app.conf.update(task_always_eager=False)
