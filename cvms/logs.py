"""Logs: one JSON object per line, each carrying the id of the request it belongs to.

Logs leave the database's protection (they are shipped, kept, read by operators), so they hold
no personal data: a request is logged by its method and path, never its query string (search
forms put names and dates of birth there), form data or e-mails.

`RequestIdMiddleware` gives each request an id (the proxy's `X-Request-ID` when it sends a
well-formed one), keeps it in a context variable for every record logged while the request runs
(`RequestIdFilter`), sends it back in `X-Request-ID` (gunicorn's access log prints it too), and
logs the request when it is answered.

This module is imported by the settings: it must not import Django's models.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# Letters, digits and . _ - only: an id sent by a client can't forge log lines or fields.
WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,127}$")

request_logger = logging.getLogger("cvms.request")

# Fields a record may carry for a request (the middleware's line), in the order they're written.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being answered (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update(_request_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_fields(record: logging.LogRecord) -> dict:
    fields = {name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)}
    # Django's own request records (django.request, django.security) carry the request and the
    # status code; their messages name the path alone.
    request = getattr(record, "request", None)
    if "path" not in fields and hasattr(request, "path") and hasattr(request, "method"):
        fields.update(method=request.method, path=request.path)
    if "status" not in fields and hasattr(record, "status_code"):
        fields["status"] = record.status_code
    return fields


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every record of the request carries its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if WELL_FORMED_ID.match(sent) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed (`_forget_request_id`), not just while the
        # middleware runs: Django logs 4xx answers after the last middleware has returned.
        current_request_id.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _forget_request_id(**kwargs) -> None:
    current_request_id.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="cvms.logs.forget_request_id")


LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting: every record through one console handler, as JSON or as text."""
    formatter = {"()": "cvms.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "cvms.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]},
            "null": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give it handlers of its own (one mails ADMINS the request's data);
            # its records go through the console handler like everyone's.
            "django": {"handlers": [], "level": level, "propagate": True},
        },
    }
    if log_format == "json":
        # runserver logs each request line with its query string; the middleware logs requests.
        config["loggers"]["django.server"] = {"handlers": ["null"], "propagate": False}
    return config
