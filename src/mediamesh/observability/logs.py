"""Structured JSON logs: one object per line, with the request id of the request being served.

Secrets never reach a log line: settings hold them as SecretStr, the request log records no
headers, and `redact` masks anything that looks like a bearer key in messages.
"""

from __future__ import annotations

import atexit
import logging
import queue
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener
from typing import Any

import orjson

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def redact(text: str) -> str:
    return _BEARER.sub(r"\1***", text)


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "pid": record.process,  # which worker of `serve --workers N` logged it
        }
        # records made during a request carry its id (formatted later, the contextvar is gone)
        rid = getattr(record, "requestId", None) or request_id.get()
        if rid:
            entry["requestId"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def configure(level: str = "info") -> None:
    """Send every logger's records to stdout as JSON lines (used by `mediamesh serve`).

    Records are formatted where they are logged (the request id is a context variable) and
    written by a thread of their own: a write to stdout can block (a full pipe, the kernel
    throttling a writer of dirty pages), and one line per request must never stall the event
    loop serving the requests. The queue is flushed at exit."""
    writer = logging.StreamHandler(sys.stdout)
    writer.setFormatter(logging.Formatter("%(message)s"))
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = QueueHandler(lines)
    handler.setFormatter(JSONFormatter())  # QueueHandler.prepare() formats in the caller
    listener = QueueListener(lines, writer)
    listener.start()
    atexit.register(listener.stop)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs each request
