"""`mediamesh serve all --workers 2`: two real worker processes on one port, sharing nothing
but the stores. Every worker serves the port, a takedown reaches the near cache of every
worker, and SIGTERM drains a request in flight before the server exits."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from bench.stack import child_pids
from prometheus_client.parser import text_string_to_metric_families

from mediamesh.app.workers import balanced_sockets_available
from mediamesh.cli.serve import WORKER_HEALTHCHECK_SECONDS
from mediamesh.settings import Settings
from tests.cli.run import mediamesh
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, own_stores
from tests.web import catalog
from tests.web.server import started

WAIT_SECONDS = 30.0  # the longest any step may take: a failure beyond it
LIST = "/v1/discovery/popular?contentType=all"


@dataclass(frozen=True)
class Workers:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
async def workers_settings(stack: Stack) -> AsyncIterator[Settings]:
    # only a takedown (its notice, or the log) can take an item out of a near copy this old;
    # no model to load in each worker (start-up on a busy machine), nothing here needs it
    overrides = {"memory_cache_ttl_seconds": 60, "search_semantic_enabled": False}
    async with own_stores(stack, "workers", **overrides) as settings:
        yield settings


@pytest.fixture(scope="module")
def workers(
    workers_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    log = tmp_path_factory.mktemp("workers") / "server.log"
    with started(workers_settings, log, workers=2, log_level="info") as (base, process):
        with httpx.Client(base_url=base, timeout=30) as client:
            catalog.load(client, WRITE_HEADERS)
        yield Workers(base, process, log)


def _fresh(base: str, path: str) -> httpx.Response:
    """One request on a connection of its own (a new connection may go to either worker)."""
    with httpx.Client(base_url=base, timeout=10) as client:
        return client.get(path)


def _until(condition: Callable[[], bool], what: str, within: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(0.05)


def _log_entries(log: Path) -> Iterator[dict[str, Any]]:
    """The server's log records about requests of /health/live."""
    for line in log.read_bytes().splitlines():
        if b"/health/live" in line:
            entry = orjson.loads(line)
            if entry.get("path") == "/health/live":
                yield entry


def _serving_pids(log: Path) -> set[int]:
    """The processes that logged a request of /health/live."""
    return {int(entry["pid"]) for entry in _log_entries(log)}


def test_every_worker_serves_the_port(workers: Workers) -> None:
    def both_served() -> bool:
        assert _fresh(workers.base, "/health/live").status_code == 200
        return len(_serving_pids(workers.log)) >= 2

    _until(both_served, "requests served by two processes")
    served = _serving_pids(workers.log)
    # the workers are the server's own children, not stray servers on the port
    assert served <= _workers_of(workers.process.pid)
    assert workers.process.pid not in served


def test_a_burst_of_connections_is_shared_by_the_workers(workers: Workers) -> None:
    """64 connections opened at once (as a load balancer's or a client's pool does): each
    worker gets at least 8. With one socket shared by both, the worker that woke first
    accepted nearly all of them (62 of 64 in the bench); a socket each lets the kernel hash
    them over both (at least 8 of 64 on each: all but certain, p < 1e-9 of failing)."""
    if not balanced_sockets_available():
        pytest.skip("the kernel balances a port's SO_REUSEPORT sockets on Linux only")
    _assert_shared(workers.base, workers.log, workers.process, at_least=8)


def test_a_worker_that_dies_is_replaced_on_its_socket(
    workers_settings: Settings, tmp_path: Path
) -> None:
    """SIGKILL a worker: the supervisor starts another, which listens on the dead one's socket
    (the connections the kernel hashes to that socket are answered: a burst is served by the
    two live workers, each its share); then the same for the other. A server of its own."""
    with _balanced_server(workers_settings, tmp_path) as (base, process, log):
        # each socket's first worker in turn, the last started first (a replacement that counted
        # the dead would then share the live one's socket)
        for victim in sorted(_workers_of(process.pid), reverse=True):
            os.kill(victim, signal.SIGKILL)
            replaced = functools.partial(_replaced, process.pid, victim)
            _shared_once(replaced, "a replacement worker", base, log, process)


def test_a_worker_that_dies_during_its_health_ping_is_replaced_at_once(
    workers_settings: Settings, tmp_path: Path
) -> None:
    """A worker stopped (SIGSTOP) cannot answer the supervisor's health ping; once a ping
    waits for it, SIGKILL: the supervisor sees the pipe end and replaces it at once, well
    within the 30 s a ping may take (uvicorn's supervisor kept the worker's end of the pipe
    open and noticed only when the ping timed out: 28 s measured). A server of its own."""
    with _balanced_server(workers_settings, tmp_path) as (base, process, log):
        victim = max(_workers_of(process.pid))
        os.kill(victim, signal.SIGSTOP)
        try:
            _until(lambda: _ping_waiting(victim), "a health ping waiting for the stopped worker")
        finally:
            os.kill(victim, signal.SIGKILL)
        replaced = functools.partial(_replaced, process.pid, victim)
        _until(replaced, "a replacement worker", within=WORKER_HEALTHCHECK_SECONDS / 2)
        _shared_once(replaced, "a replacement worker", base, log, process)


def _ping_waiting(pid: int) -> bool:
    """Whether a unix socket of process `pid` holds bytes it has not read (`ss`)."""
    listed = subprocess.run(["ss", "-xpH"], capture_output=True, text=True, check=True).stdout
    return any(f"pid={pid}," in line and int(line.split()[2]) > 0 for line in listed.splitlines())


def test_sighup_replaces_each_worker_on_its_socket(
    workers_settings: Settings, tmp_path: Path
) -> None:
    """SIGHUP: a rolling restart (each replacement ready before its predecessor stops), every
    replacement on its predecessor's socket: a burst is still shared by the two new workers.
    A server of its own."""
    with _balanced_server(workers_settings, tmp_path) as (base, process, log):
        before = _workers_of(process.pid)
        process.send_signal(signal.SIGHUP)

        def renewed() -> bool:
            running = _workers_of(process.pid)
            return len(running) == 2 and not running & before

        _shared_once(renewed, "two new workers", base, log, process)


def test_sigttin_and_sigttou_keep_a_socket_per_worker(
    workers_settings: Settings, tmp_path: Path
) -> None:
    """SIGTTIN adds a worker on a new socket of the port (a burst is shared by three); two
    SIGTTOU leave one worker, and the sockets of the removed ones leave the port: every
    connection of a burst is answered (a socket without a worker would leave its share
    waiting forever). A server of its own."""
    with _balanced_server(workers_settings, tmp_path) as (base, process, log):
        process.send_signal(signal.SIGTTIN)
        _until(lambda: len(_workers_of(process.pid)) == 3, "three workers")
        _until(lambda: _all_serve(base, log, 3), "the third worker serving")
        _assert_shared(base, log, process, at_least=4)  # of 64 over 3: p < 1e-6 of fewer

        for left in (2, 1):
            process.send_signal(signal.SIGTTOU)
            _until(lambda: len(_workers_of(process.pid)) == left, f"{left} workers")  # noqa: B023
        served = _burst(base, log)
        assert set(served) == _workers_of(process.pid)
        assert sum(served.values()) == 64


@contextlib.contextmanager
def _balanced_server(
    settings: Settings, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """A `serve all --workers 2` of the test's own (its URL, process and log), once both
    workers run; the test is skipped where the kernel does not balance SO_REUSEPORT sockets."""
    if not balanced_sockets_available():
        pytest.skip("the kernel balances a port's SO_REUSEPORT sockets on Linux only")
    log = tmp_path / "server.log"
    with started(settings, log, workers=2, log_level="info") as (base, process):
        _until(lambda: len(_workers_of(process.pid)) == 2, "two workers")
        yield base, process, log


def _shared_once(
    condition: Callable[[], bool],
    what: str,
    base: str,
    log: Path,
    server: subprocess.Popen[bytes],
) -> None:
    """Once `condition` holds and the server answers, a burst is shared by its two workers."""
    _until(condition, what)
    _until(lambda: _health(base), "the server answering")
    _assert_shared(base, log, server, at_least=8)


def _assert_shared(base: str, log: Path, server: subprocess.Popen[bytes], *, at_least: int) -> None:
    """A burst of 64 connections is answered by every worker of `server`, each at least
    `at_least` of them."""
    served = _burst(base, log)
    assert set(served) == _workers_of(server.pid)
    assert min(served.values()) >= at_least, served


def _all_serve(base: str, log: Path, workers: int) -> bool:
    """Whether a burst reaches `workers` processes (a new worker answers once it started)."""
    return len(_burst(base, log)) == workers


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "reuse-port"])
def test_a_port_in_use_is_refused(workers_settings: Settings, reuse_port: bool) -> None:
    """Another process listens on the port — a plain server, or one whose SO_REUSEPORT
    sockets ours would otherwise join, silently sharing its connections: `serve --workers 2`
    exits 1 with the reason, before starting any worker."""
    if reuse_port and not hasattr(socket, "SO_REUSEPORT"):
        pytest.skip("no SO_REUSEPORT here")
    with socket.socket() as holder:
        if reuse_port:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = mediamesh(
            workers_settings, "serve", "discovery", "--port", str(port), "--workers", "2"
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr


def _replaced(server: int, dead: int) -> bool:
    """Whether the server has its two workers again, without `dead`."""
    running = _workers_of(server)
    return len(running) == 2 and dead not in running


def _health(base: str) -> bool:
    try:
        return _fresh(base, "/health/live").status_code == 200
    except httpx.HTTPError:
        return False


def _burst(base: str, log: Path) -> dict[int, int]:
    """Open 64 connections at once, send a request on each, and count by the server's log how
    many each process answered."""
    port = int(base.rsplit(":", 1)[1])
    marker = f"burst-{time.monotonic_ns()}"
    conns = [socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) for _ in range(64)]
    try:
        for number, conn in enumerate(conns):
            conn.sendall(
                f"GET /health/live HTTP/1.1\r\nHost: test\r\n"
                f"X-Request-ID: {marker}-{number}\r\n\r\n".encode()
            )
        for conn in conns:
            assert _read_head(conn).startswith(b"HTTP/1.1 200")
    finally:
        for conn in conns:
            conn.close()

    def served() -> dict[int, int]:
        per_process: dict[int, int] = {}
        for entry in _log_entries(log):
            if str(entry.get("requestId", "")).startswith(f"{marker}-"):
                per_process[entry["pid"]] = per_process.get(entry["pid"], 0) + 1
        return per_process

    _until(lambda: sum(served().values()) == 64, "the burst's 64 requests logged")
    return served()


def test_one_scrape_counts_every_worker(workers: Workers) -> None:
    """/metrics answers for both workers, whichever of them the scrape reaches."""

    def counted_by() -> set[str]:
        _fresh(workers.base, "/health/live")
        text = _fresh(workers.base, "/metrics").text
        return {
            sample.labels["worker"]
            for family in text_string_to_metric_families(text)
            if family.name == "mediamesh_http_requests"
            for sample in family.samples
            if sample.labels.get("route") == "/health/live" and sample.name.endswith("_total")
        }

    # (the other worker's figures are up to a second old: wait for its first request in them)
    pids = _workers_of(workers.process.pid)
    assert len(pids) == 2
    _until(
        lambda: {int(pid) for pid in counted_by()} == pids,
        "one scrape with the requests of both workers",
    )


def _titles(base: str) -> list[str]:
    response = _fresh(base, LIST)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def test_a_takedown_reaches_every_worker(workers: Workers) -> None:
    # every worker keeps the list in its near cache (60 s): many fresh connections warm both
    for _ in range(40):
        assert _titles(workers.base) == catalog.POPULAR_ALL
    gone = "Orbit of Ash"
    with httpx.Client(base_url=workers.base, timeout=30) as client:
        response = client.delete("/v1/catalog/items/p-orbit", headers=WRITE_HEADERS)
        assert response.status_code == 204, response.text

    def gone_everywhere() -> bool:
        return all(gone not in _titles(workers.base) for _ in range(20))

    _until(gone_everywhere, f"{gone!r} out of 20 lists in a row")
    for _ in range(40):  # and it stays out, whichever worker answers
        assert gone not in _titles(workers.base)


def test_sigterm_drains_a_request_in_flight(
    workers: Workers, workers_settings: Settings, tmp_path: Path
) -> None:
    """The request's headers reach a worker (it asks for the body: 100 Continue), the server
    gets SIGTERM, then the body arrives: the event batch is still stored (202), and the
    server exits 0 once it is answered. (A server of its own, on the catalog `workers`
    loaded.)"""
    body = orjson.dumps({"events": catalog.events()[:3]})
    with started(workers_settings, tmp_path / "server.log", workers=2) as (base, process):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) as conn:
            head = (
                "POST /v1/discovery/events HTTP/1.1\r\nHost: test\r\n"
                f"Authorization: {WRITE_HEADERS['Authorization']}\r\n"
                "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            conn.sendall(head.encode())
            assert conn.recv(64).startswith(b"HTTP/1.1 100 Continue")
            worker_pids = _workers_of(process.pid)
            assert len(worker_pids) == 2
            process.terminate()
            # the idle worker is gone: the shutdown is under way while the request is open
            _until(lambda: len(_workers_of(process.pid)) < 2, "the idle worker stopped")
            conn.sendall(body)
            reply = _read_response(conn)
        assert reply.startswith(b"HTTP/1.1 202"), reply
        assert process.wait(timeout=WAIT_SECONDS) == 0


def _workers_of(pid: int) -> set[int]:
    """The server's worker processes (its children but multiprocessing's resource tracker)."""
    found = set()
    for child in child_pids(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except FileNotFoundError:  # it just exited
            pass
    return found


def _read_head(conn: socket.socket) -> bytes:
    """A response's status line and headers (and whatever of its body came with them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _read_response(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (it does when stopping)."""
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
    return data
