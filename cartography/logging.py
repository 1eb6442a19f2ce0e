"""Structured logs: one JSON object per line, each carrying the request id that caused it.

The request id lives in a context variable, set by `cartography.middleware.RequestIdMiddleware`
for a web request and by the Celery signal receivers (cartography/signals.py) for a job, so a job's
lines carry the id of the request that enqueued it. A filter on the handler copies it onto every
record, whoever logged it (Django, Celery, our code): one `grep` follows a request into its jobs.

Named `cartography.logging` on purpose, next to `cartography.celery`: absolute imports keep the
standard library's `logging` reachable.
"""

from __future__ import annotations

import contextvars
import logging
import logging.config
import re
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

# Empty when the code runs outside any request or job (a management command, the beat).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_var: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar("task", default=("", ""))

REQUEST_ID_HEADER = "X-Request-ID"
# The Celery message header (and task.request attribute) that carries the id into a job.
TASK_HEADER = "request_id"
# A client's id is accepted only if it is short and plain: it is echoed into logs and a header,
# so anything else (newlines, quotes, megabytes) is replaced with a fresh id.
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """The id to use for a request: the caller's (a proxy or a client tying its own logs to ours)
    when it is well formed, otherwise a new one."""
    if value and _VALID_ID.match(value):
        return value
    return new_request_id()


class ContextFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `task_name` to every record passing the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        task_id, task_name = task_var.get()
        if task_id and not getattr(record, "task_id", ""):
            record.task_id = task_id
            record.task_name = task_name
        return True


class JsonFormatter(_BaseJsonFormatter):
    """python-json-logger with a fixed key order and no unserialisable request objects.

    Django attaches the HttpRequest (and the dev server its socket) to some records; they are
    replaced by method and path so a log line never dumps headers or cookies.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_default", str)
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        request = log_data.get("request")
        if request is not None and not isinstance(request, str):
            method, path = getattr(request, "method", None), getattr(request, "path", None)
            if method and path:
                log_data["request"] = f"{method} {path}"
            else:
                del log_data["request"]


def configure_celery_logging(**kwargs: Any) -> None:
    """Receiver of Celery's `setup_logging` signal: the worker and beat log through Django's
    LOGGING (JSON, with the request id filter) instead of Celery's own coloured handlers."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
