"""A Redis server of a test's own (a real `redis-server` process), so that the test may pause
it (SIGSTOP: the port stays open, nothing answers), kill it, and start it again on the same
port, without touching the machine's shared Redis."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from mediamesh.devstack import dynamodb_local

READY_WITHIN_SECONDS = 30.0


class OwnRedis:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = start_redis_server(self.port, self._log)
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not start: {self._log}")

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: gone with everything it held (it keeps nothing on disk)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)
            self._process.kill()
            self._process.wait()

    def _signal(self, sig: signal.Signals) -> None:
        assert self._process is not None
        self._process.send_signal(sig)


def start_redis_server(port: int, log: Path, *options: str) -> subprocess.Popen[bytes]:
    """A `redis-server` on 127.0.0.1:`port` that keeps nothing on disk, with `options`
    (e.g. cluster mode), logging to `log`."""
    binary = shutil.which("redis-server") or "redis-server"
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with log.open("ab") as output:
        return subprocess.Popen([*command, *options], stdout=output, stderr=subprocess.STDOUT)


@contextmanager
def own_redis(log: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(dynamodb_local.free_port(), log)
    server.start()
    try:
        yield server
    finally:
        server.kill()
