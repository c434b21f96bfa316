"""`mediamesh doctor`: the integration guide's "Troubleshooting" section, automated.

Each check prints ok or the problem with the command that fixes it; exit 1 if any failed.
Every URL it prints has its password masked (settings.masked_url).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mediamesh.cli.runtime import out, run, settings
from mediamesh.errors import MediaMeshError
from mediamesh.settings import Settings, masked_url
from mediamesh.storage import postgres
from mediamesh.storage import redis as redis_store
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.provisioning import verify_table
from mediamesh.storage.dynamodb.tables import tables_from_settings
from mediamesh.storage.migrations import pending

CHECK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""


Check = Callable[[Settings], Awaitable[list[Finding]]]


async def check_postgres(cfg: Settings) -> list[Finding]:
    where = masked_url(cfg.database_url)
    try:
        async with postgres.connect(cfg.database_url) as conn:
            todo = await pending(conn)
    except MediaMeshError as exc:
        return [
            Finding("postgres", False, exc.message, "check DATABASE_URL; `mediamesh db migrate`")
        ]
    if todo:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in todo)
        return [
            Finding(
                "postgres", False, f"{where}: pending migrations {names}", "mediamesh db migrate"
            )
        ]
    return [Finding("postgres", True, f"{where}: reachable, schema up to date")]


async def check_redis(cfg: Settings) -> list[Finding]:
    client = await redis_store.open_client(cfg.redis_url, cfg.redis_cluster, timeout_seconds=2.0)
    try:
        await redis_store.ping(client, cfg.redis_url)
        cluster = " (a cluster)" if redis_store.is_cluster_client(client) else ""
        return [Finding("redis", True, f"{masked_url(cfg.redis_url)}: reachable{cluster}")]
    except MediaMeshError as exc:
        fix = "./scripts/ensure-services.sh (local) or check REDIS_URL"
        return [Finding("redis", False, exc.message, fix)]
    finally:
        await client.aclose()


async def check_dynamodb(cfg: Settings) -> list[Finding]:
    if not cfg.dynamodb_enabled:
        return [Finding("dynamodb", True, "disabled (DYNAMODB_ENABLED=false): not contacted")]
    conn = DynamoDBConnection.from_settings(cfg)
    conn = DynamoDBConnection(**{**conn.__dict__, "read_timeout": 5.0, "max_attempts": 1})
    findings: list[Finding] = []
    try:
        async with open_client(conn) as client:
            for spec in tables_from_settings(cfg).all():
                report = await verify_table(client, conn, spec)
                if report.ok:
                    findings.append(
                        Finding("dynamodb", True, f"{spec.name}: schema and TTL as specified")
                    )
                for problem in report.problems:
                    fix = (
                        "mediamesh tables create"
                        if not report.exists or "TTL" in problem
                        else "mediamesh tables delete --yes && mediamesh tables create"
                    )
                    findings.append(Finding("dynamodb", False, f"{spec.name}: {problem}", fix))
    except MediaMeshError as exc:
        fix = (
            "mediamesh stack dynamodb-local start (or ./scripts/run.sh); curl "
            + masked_url(cfg.dynamodb_endpoint)
            if cfg.dynamodb_endpoint
            else "check AWS_REGION, the IAM role and network access to DynamoDB"
        )
        return [Finding("dynamodb", False, exc.message, fix)]
    where = conn.describe() + ("" if conn.endpoint else " (default credential chain)")
    return [Finding("dynamodb", True, f"endpoint {where}: reachable"), *findings]


async def check_api_keys(cfg: Settings) -> list[Finding]:
    if cfg.api_keys:
        return [Finding("api keys", True, f"{len(cfg.api_keys)} write key(s) configured")]
    return [
        Finding(
            "api keys",
            False,
            "MEDIAMESH_API_KEYS is empty: every write is refused",
            "export MEDIAMESH_API_KEYS=<key>[,<key>...]",
        )
    ]


CHECKS: tuple[Check, ...] = (check_dynamodb, check_postgres, check_redis, check_api_keys)


async def diagnose(cfg: Settings) -> list[Finding]:
    async def guarded(check: Check) -> list[Finding]:
        try:
            return await asyncio.wait_for(check(cfg), CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            return [
                Finding(
                    check.__name__.removeprefix("check_"),
                    False,
                    "timed out",
                    "see docs/OPERATIONS.md",
                )
            ]

    results = await asyncio.gather(*(guarded(c) for c in CHECKS))
    return [finding for group in results for finding in group]


def doctor() -> None:
    """Check DynamoDB (endpoint, tables, TTL), PostgreSQL (reachable, migrated), Redis and the
    API keys; print the fix for each problem; exit 1 if anything is wrong."""
    findings = run(diagnose(settings()))
    for f in findings:
        mark = "[green]ok[/]     " if f.ok else "[red]problem[/]"
        out.print(f"{mark} {f.check}: {f.detail}", highlight=False)
        if f.fix:
            out.print(f"          fix: [bold]{f.fix}[/]", highlight=False)
    if not all(f.ok for f in findings):
        raise SystemExit(1)
