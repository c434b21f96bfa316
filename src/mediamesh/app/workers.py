"""`mediamesh serve … --workers N`: N processes serving one port, under uvicorn's supervisor.

Why uvicorn's own process model: its parent checks the workers' health, replaces one that
dies, drains them all on SIGTERM or SIGINT (each finishes its in-flight requests, then its
lifespan closes the stores), restarts them one at a time on SIGHUP and adds or removes one on
SIGTTIN / SIGTTOU; all without another dependency (gunicorn would add a master of its own for
the same).

Why a listening socket per worker (SO_REUSEPORT, Linux): with one socket shared by every
worker, whichever worker wakes first accepts every connection waiting, so a burst of new
connections (a load balancer or a client pool opening its keep-alive connections at once)
lands on one worker: 62 of 64 on one of two in the bench (bench/workers.py), the other core
idle for as long as those connections live. The kernel spreads the connections of a port's
SO_REUSEPORT sockets over them by a hash of the client's address and port, so each worker gets
its share whatever the timing. The parent binds and holds the sockets: a worker that dies
is replaced on the same socket, and the connections that arrived in between wait in its
queue instead of being refused. The cost: a worker that hangs still gets its share of new
connections until the supervisor's health ping replaces it (30 s, cli/serve.py), where a
shared socket would have sent them to the others. Elsewhere (no SO_REUSEPORT balancing) the
workers share one socket, uvicorn's default.

The workers share nothing but the stores, which every process of a fleet shares already:
takedowns reach every worker's near cache through the takedown log and its notices, and the
background work that must run once per item claims it there (the outbox relay and the
takedown purger with FOR UPDATE SKIP LOCKED, maintenance and statistics under advisory locks,
refresh-ahead under the cache chain's lock, the embedding worker under its advisory lock).

Each worker builds its app with `worker_app`, from the environment the parent passes on.
/metrics answers for every worker, whichever answers the scrape (observability/worker_metrics.py).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import sys
from pathlib import Path
from typing import ClassVar

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import multiprocess

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

log = logging.getLogger(__name__)


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


def listen(config: uvicorn.Config) -> list[socket.socket]:
    """The listening sockets of `config.workers` workers on `config.host`:`config.port`: one
    each where the kernel balances them, else one shared (the module's docstring says why).
    Raises OSError when the port cannot be bound (in use, or not an address of this host)."""
    if not balanced_sockets_available():
        return [config.bind_socket()]
    port = _free_port(config.host, config.port)
    sockets = [_listening(config.host, port, config.backlog) for _ in range(config.workers)]
    log.info(
        "serving http://%s:%d with %d workers, a listening socket each",
        config.host,
        port,
        config.workers,
    )
    return sockets


def supervise(config: uvicorn.Config, sockets: list[socket.socket]) -> None:
    """Serve `config.workers` processes of `config.app` on `sockets` (from `listen`) until
    SIGTERM or SIGINT; closes the sockets."""
    supervisor = _Supervisor if len(sockets) > 1 else multiprocess.Multiprocess
    try:
        supervisor(config, sockets=sockets).run()
    finally:
        for sock in sockets:
            sock.close()


def balanced_sockets_available() -> bool:
    """Whether sockets bound to one port with SO_REUSEPORT share its connections out (Linux);
    on BSD and macOS the last one bound takes them all."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _free_port(host: str, port: int) -> int:
    """`port` (or, for 0, one the kernel chose) once a plain bind shows that nothing listens
    on it: SO_REUSEPORT sockets would join those of another server of ours on the port, and
    the two would share its connections without a word. Raises OSError (EADDRINUSE)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        chosen: int = probe.getsockname()[1]
        return chosen


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _listening(host: str, port: int, backlog: int) -> socket.socket:
    """A socket of the port's SO_REUSEPORT group, listening: connections wait in its queue
    until its worker accepts them (also while a worker is being replaced)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class _OwnSocketWorker(multiprocess.Process):
    """uvicorn's worker process, given one of the supervisor's sockets: the one the fewest
    live workers have; of those, the one whose newest worker started first, so that a rolling
    restart (SIGHUP) puts each replacement on the socket of the worker it replaces."""

    sockets: ClassVar[list[socket.socket]] = []
    live: ClassVar[list[_OwnSocketWorker]] = []
    _started = itertools.count()

    @classmethod
    def running(cls) -> list[_OwnSocketWorker]:
        """The workers started so far that have not exited (the others are forgotten)."""
        cls.live = [w for w in cls.live if w.process.exitcode is None]
        return cls.live

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        del sockets  # every socket, as uvicorn passes them: this worker takes one
        live = self.running()

        def rank(sock: socket.socket) -> tuple[int, int]:
            mine = [w.order for w in live if w.fd == sock.fileno()]
            return len(mine), max(mine, default=-1)

        chosen = min(self.sockets, key=rank)
        self.fd = chosen.fileno()  # the socket's identity in the supervisor (a number pickles)
        self.order = next(self._started)
        super().__init__(config, [chosen])
        live.append(self)

    def start(self) -> None:
        """Start the process, then close the supervisor's copy of the worker's end of the
        health pipe (uvicorn keeps it open): a worker that dies while the supervisor waits for
        its reply to a health ping is then seen dead at once (the pipe ends), not after the 30 s
        the ping may take, and so replaced on its socket at once."""
        super().start()
        self.child_conn.close()


class _Supervisor(multiprocess.Multiprocess):
    """uvicorn's supervisor, each worker it starts taking one of the sockets; keeping one
    socket per worker when SIGTTIN adds a worker (a new socket of the port's group) or SIGTTOU
    removes one: the supervisor lets go of the removed worker's socket first, so the socket
    leaves the group when the worker closes it as it stops accepting (new connections then go
    to the others; a socket the supervisor still held would queue them for no one, and reset
    them when closed)."""

    def run(self) -> None:
        """uvicorn's run, with `_OwnSocketWorker` as its worker class (uvicorn's supervisor
        makes its workers by the name `Process` of its module: no other hook); closes every
        socket it holds, those SIGTTIN added among them (`supervise` closes the ones it was
        given again: closing twice is harmless)."""
        _OwnSocketWorker.sockets, _OwnSocketWorker.live = list(self.sockets), []
        original = multiprocess.Process
        multiprocess.Process = _OwnSocketWorker  # type: ignore[misc]
        try:
            super().run()
        finally:
            multiprocess.Process = original  # type: ignore[misc]
            for sock in _OwnSocketWorker.sockets:
                sock.close()

    def handle_ttin(self) -> None:
        first = _OwnSocketWorker.sockets[0]
        host, port = first.getsockname()[:2]
        _OwnSocketWorker.sockets.append(_listening(host, port, self.config.backlog))
        super().handle_ttin()

    def handle_ttou(self) -> None:
        leaving = self.processes[-1] if self.processes_num > 1 else None  # as uvicorn's handler
        if isinstance(leaving, _OwnSocketWorker) and not any(
            w.fd == leaving.fd and w is not leaving for w in _OwnSocketWorker.running()
        ):
            sock = next(s for s in _OwnSocketWorker.sockets if s.fileno() == leaving.fd)
            _OwnSocketWorker.sockets.remove(sock)
            sock.close()
        super().handle_ttou()
