"""A real Redis Cluster of a test run's own: three masters (`redis-server --cluster-enabled
yes` on three free ports, joined by `redis-cli --cluster create`), for the cache-aside tests
run against a cluster (scripts/test.sh: MEDIAMESH_TEST_REDIS=cluster)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from mediamesh.devstack import dynamodb_local
from tests.resilience.redis_server import start_redis_server

READY_WITHIN_SECONDS = 60.0
MASTERS = 3
BUS_OFFSET = 10_000  # a node's cluster bus listens on its port + 10000


class OwnCluster:
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self.ports = _free_ports(MASTERS)
        self.url = f"redis://127.0.0.1:{self.ports[0]}/0"  # any node: the client finds the rest
        self._processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for port in self.ports:
            config = str(self._directory / f"nodes-{port}.conf")
            options = ("--cluster-enabled", "yes", "--cluster-config-file", config,
                       "--dir", str(self._directory))  # fmt: skip
            log = self._directory / f"redis-{port}.log"
            self._processes.append(start_redis_server(port, log, *options))
        for port in self.ports:
            self._until(lambda port=port: _answers(port), f"redis-server on {port} answering")
        subprocess.run(
            [shutil.which("redis-cli") or "redis-cli", "--cluster", "create",
             *(f"127.0.0.1:{port}" for port in self.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=READY_WITHIN_SECONDS,
        )  # fmt: skip
        self._until(self._ok, "every node seeing the cluster's state ok")

    def stop(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()

    def _ok(self) -> bool:
        for port in self.ports:
            info = redis.Redis(port=port, socket_timeout=1).execute_command("CLUSTER INFO")
            if info.get("cluster_state") != "ok":  # redis-py parses the reply into a dict
                return False
        return True

    def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the test cluster did not get there: {what} ({self._directory})")


def _answers(port: int) -> bool:
    return bool(redis.Redis(port=port, socket_timeout=1).ping())


def _free_ports(count: int) -> list[int]:
    """Free ports whose cluster-bus ports are free too."""
    ports: list[int] = []
    while len(ports) < count:
        port = dynamodb_local.free_port()
        if port + BUS_OFFSET < 65_536 and port not in ports and _free(port + BUS_OFFSET):
            ports.append(port)
    return ports


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def own_cluster(directory: Path) -> Iterator[OwnCluster]:
    cluster = OwnCluster(directory)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
