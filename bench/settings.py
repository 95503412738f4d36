"""The production settings, served by gunicorn for `make bench`, with one more URL: an
authenticated page that does nothing (`bench/urls.py`), the ceiling every page is measured
against. Nothing in production imports this module."""

from cvms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
