"""The benchmark's own stores and servers: a DynamoDB Local on a free port, a scratch
PostgreSQL database and a Redis key prefix of this run (as tests/conftest.py does), and
server processes started with settings from the environment; all cleaned up on exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.provisioning import create_table
from mediamesh.storage.dynamodb.tables import tables_from_settings
from mediamesh.storage.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "MEDIAMESH_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MEDIAMESH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WRITE_KEY = "bench-key"


@dataclass
class BenchStack:
    run_id: str
    dynamodb: dynamodb_local.RunningDynamoDBLocal
    database_url: str
    exits: AsyncExitStack = field(default_factory=AsyncExitStack)

    @property
    def redis_prefix(self) -> str:
        return f"mmbench:{self.run_id}:"

    def env(self, **overrides: object) -> dict[str, str]:
        """Every setting of this run as environment variables (UPPER_CASE of the field)."""
        values: dict[str, object] = {
            "dynamodb_enabled": "true",
            "dynamodb_endpoint": self.dynamodb.endpoint,
            "aws_region": "us-east-1",
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
            "dynamodb_table_trending": f"b{self.run_id}-mediamesh-trending",
            "dynamodb_table_popular": f"b{self.run_id}-mediamesh-popular",
            "dynamodb_table_search_index": f"b{self.run_id}-mediamesh-search-index",
            "database_url": self.database_url,
            "redis_url": REDIS_URL,
            "redis_key_prefix": self.redis_prefix,
            "mediamesh_api_keys": WRITE_KEY,
        }
        values.update(overrides)
        return {key.upper(): str(value) for key, value in values.items()}

    def settings(self, **overrides: object) -> Settings:
        fields = {key.lower(): value for key, value in self.env(**overrides).items()}
        return Settings.model_validate(fields)


async def open_stack(log_dir: Path) -> BenchStack:
    run_id = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    server = dynamodb_local.start(dynamodb_local.free_port(), log_file=log_dir / "dynamodb.log")
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/mm_bench_{run_id}"
    await postgres.drop_database(url)
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    stack = BenchStack(run_id, server, url)
    settings = stack.settings()
    conn = DynamoDBConnection.from_settings(settings)
    async with open_client(conn) as client:
        for spec in tables_from_settings(settings).all():
            await create_table(client, conn, spec)
    return stack


async def close_stack(stack: BenchStack, keep_database: bool = False) -> None:
    """Stop DynamoDB Local, drop the database (unless `keep_database`: to look into it after,
    then drop it by hand) and delete the Redis keys of this run."""
    stack.dynamodb.stop()
    if not keep_database:
        await postgres.drop_database(stack.database_url)
    client = aioredis.Redis.from_url(REDIS_URL)
    async for key in client.scan_iter(match=f"{stack.redis_prefix}*", count=1000):
        await client.delete(key)
    await client.aclose()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_rss_mb(self) -> float:
        """The process's peak resident set (VmHWM) so far, in MB."""
        return process_memory_mb(self.process.pid)


def process_memory_mb(pid: int, field: str = "VmHWM") -> float:
    """A process of this machine's resident memory in MB: at its peak so far (VmHWM), or now
    (VmRSS)."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(row for row in status.splitlines() if row.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024


def child_pids(pid: int) -> set[int]:
    """A process of this machine's children (a server's workers), as /proc lists them now."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except FileNotFoundError:  # a thread that just ended
            continue
    return found


def server_command(service: str, port: int, workers: int = 1) -> list[str]:
    cli = str(Path(sys.executable).parent / "mediamesh")
    return [cli, "serve", service, "--port", str(port), "--log-level", "warning",
            "--workers", str(workers)]  # fmt: skip


def floor_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "bench.floor_app:app", "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-server-header",
        "--log-level", "warning",
    ]  # fmt: skip


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[Server]:
    """A server process, ready (GET /health/live answers) before yielding, stopped after."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(process, port)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}: see its log")
        try:
            if httpx.get(server.base_url + "/health/live", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {server.port} not ready after {seconds} s")
