"""`mediamesh serve … --workers N`: N processes serving one port, under uvicorn's supervisor.

Why uvicorn's own process model: its parent binds the port once and hands the socket to each
worker, checks the workers' health, replaces one that dies, drains them all on SIGTERM or
SIGINT (each finishes its in-flight requests, then its lifespan closes the stores), restarts
them one at a time on SIGHUP and adds or removes one on SIGTTIN / SIGTTOU; all without
another dependency (gunicorn would add a master of its own for the same) and without
SO_REUSEPORT's drawback: a port bound separately by each worker is still bound by a worker
that hangs, and the kernel keeps sending it new connections.

The workers share nothing but the stores, which every process of a fleet shares already:
takedowns reach every worker's near cache through the takedown log and its notices, and the
background work that must run once per item claims it there (the outbox relay and the
takedown purger with FOR UPDATE SKIP LOCKED, maintenance and statistics under advisory locks,
refresh-ahead under the cache chain's lock, the embedding worker under its advisory lock).

Each worker builds its app with `worker_app`, from the environment the parent passes on.
/metrics answers for every worker, whichever answers the scrape (observability/worker_metrics.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from mediamesh.app.factory import Service, create_app
from mediamesh.errors import ConfigError
from mediamesh.observability import logs
from mediamesh.settings import load_settings

SERVICE_VARIABLE = "MEDIAMESH_SERVE_SERVICE"
LOG_LEVEL_VARIABLE = "MEDIAMESH_SERVE_LOG_LEVEL"
METRICS_VARIABLE = "MEDIAMESH_SERVE_METRICS_DIR"  # observability/worker_metrics.py
# uvicorn's import string of the factory below (with factory=True)
FACTORY = f"{__name__}:worker_app"
SERVICES: tuple[Service, ...] = ("discovery", "search", "all")


def worker_environment(service: Service, log_level: str, metrics: Path) -> dict[str, str]:
    """What the parent sets for its workers (they inherit its environment); `metrics`: an
    empty directory of this server's own, where the workers share their metrics."""
    return {
        SERVICE_VARIABLE: service,
        LOG_LEVEL_VARIABLE: log_level,
        METRICS_VARIABLE: str(metrics),
    }


def worker_app() -> FastAPI:
    """The app of one worker process (which serves it until it exits)."""
    service = os.environ.get(SERVICE_VARIABLE, "all")
    if service not in SERVICES:
        raise ConfigError(f"{SERVICE_VARIABLE}={service!r}: choose discovery, search or all")
    logs.configure(os.environ.get(LOG_LEVEL_VARIABLE, "info"))
    chosen: Service = service  # narrowed by the check above
    metrics = os.environ.get(METRICS_VARIABLE)
    return create_app(
        load_settings(), chosen, freeze_gc=True, workers_metrics=Path(metrics) if metrics else None
    )
