"""The Celery app. Its broker is CELERY_BROKER_URL (Redis); without one, tasks run in-process."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings")

app = Celery("cvms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _workers_wait_for_locks_unbounded(**kwargs):
    """A worker's connections don't take the web's bounded lock wait (cvms/locking.py): a batch
    that waits behind another finishes late rather than failing. Connected before the worker
    forks its processes, which inherit it."""
    from cvms.locking import waits_unbounded_in_this_process

    waits_unbounded_in_this_process()


def queue_names() -> list[str]:
    """Every queue the settings send work to: the default one, the routes' and the PDFs'. A
    worker started with `-Q` and all of these (`make bench`, bench/resilience.py) does every
    kind of work; production runs one pool per queue (docker-compose.yml)."""
    from django.conf import settings

    routed = [route["queue"] for route in settings.CELERY_TASK_ROUTES.values()]
    return list(dict.fromkeys([settings.CELERY_TASK_DEFAULT_QUEUE, *routed, settings.PDF_QUEUE]))
