"""The Celery app. Its broker is CELERY_BROKER_URL (Redis); without one, tasks run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings")

app = Celery("cvms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
