"""Every way of losing PostgreSQL becomes PostgresUnavailable at the pool
(storage/postgres_errors.py), against the real server behind a FaultProxy; statement errors
pass through unchanged. The ranking repository has no translator of its own: it classifies
every exception exactly as the storage translator does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

import asyncpg
import pytest

from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.discovery.ranking import repository as ranking_repository
from mediamesh.discovery.ranking.compute import RankingParams, compute_list
from mediamesh.errors import PostgresUnavailable
from mediamesh.storage import postgres
from mediamesh.storage.postgres_errors import OUTAGES, unavailable
from tests.conftest import Stack
from tests.resilience.fault_proxy import FaultProxy
from tests.resilience.proxies import target, through


@pytest.fixture
async def proxied(stack: Stack) -> AsyncIterator[tuple[FaultProxy, asyncpg.Pool]]:
    proxy = FaultProxy(*target(stack.database_url)).start()
    pool = await postgres.create_pool(through(stack.database_url, proxy), min_size=0, max_size=2)
    yield proxy, pool
    proxy.set_mode("pass")
    await pool.close()
    proxy.stop()


async def test_refused_at_acquire_in_every_form(proxied: tuple[FaultProxy, asyncpg.Pool]) -> None:
    proxy, pool = proxied
    assert await pool.fetchval("SELECT 1") == 1
    proxy.set_mode("refuse")
    with pytest.raises(PostgresUnavailable):
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    with pytest.raises(PostgresUnavailable):
        await pool.fetchval("SELECT 1")
    with pytest.raises(PostgresUnavailable):
        await pool.acquire()
    proxy.set_mode("pass")
    assert await pool.fetchval("SELECT 2") == 2


async def test_reset_mid_query_inside_a_transaction(
    stack: Stack, proxied: tuple[FaultProxy, asyncpg.Pool]
) -> None:
    proxy, pool = proxied
    statement = "SELECT pg_sleep(30) -- reset mid-query"

    async def long_write() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(statement)

    running = asyncio.create_task(long_write())
    try:
        await _until_running(stack.database_url, statement)  # the statement is under way
        proxy.set_mode("refuse")
        with pytest.raises(PostgresUnavailable) as caught:
            await running
        assert caught.value.code == "postgres_unavailable"
    finally:  # the server notices the lost client only when its statement ends: end it now
        async with postgres.connect(stack.database_url) as conn:
            await conn.execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = $1", statement
            )


async def _until_running(url: str, statement: str) -> None:
    """Return once a session of this database runs `statement` (bounded: 30 s)."""
    conn = await asyncpg.connect(url)
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND query = $1",
            statement,
        ):
            assert asyncio.get_running_loop().time() < deadline, "the statement never started"
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def test_hanging_server_with_an_acquire_timeout(
    proxied: tuple[FaultProxy, asyncpg.Pool],
) -> None:
    proxy, pool = proxied
    proxy.set_mode("hang")
    with pytest.raises(PostgresUnavailable, match="TimeoutError"):
        async with pool.acquire(timeout=0.3) as conn:
            await conn.fetchval("SELECT 1")


async def test_statement_errors_are_no_outage(proxied: tuple[FaultProxy, asyncpg.Pool]) -> None:
    _, pool = proxied
    with pytest.raises(asyncpg.DivisionByZeroError):
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1 / 0")
    with pytest.raises(asyncpg.UndefinedTableError):
        await pool.fetch("SELECT * FROM no_such_table")
    assert await pool.fetchval("SELECT 3") == 3


# --- one classification, whichever path: storage's translator and the ranking's ---

URL = "postgresql://mediamesh:s3cret@db.example:5432/mediamesh"
DOING = "computing a discovery list"
Translator = Callable[[], AbstractContextManager[None]]
PATHS: dict[str, Translator] = {
    "storage translated_errors(url)": lambda: postgres.translated_errors(URL),
    # what ranking_repository.top_items wraps its transaction in
    "ranking top_items": lambda: postgres.translated_errors(doing=DOING),
}


def _closed_while_handling(outage: BaseException) -> asyncpg.InterfaceError:
    """The InterfaceError asyncpg raises on a ROLLBACK after `outage` dropped the connection."""
    try:
        try:
            raise outage
        except type(outage):
            raise asyncpg.InterfaceError(
                "cannot call Transaction.__aexit__(): the underlying connection is closed"
            ) from None
    except asyncpg.InterfaceError as closed:
        return closed


TIMED_OUT = "did not answer within the time allowed"
NOT_REACHABLE = "is not reachable"
LOST = "lost the connection to PostgreSQL"
NO_DATABASE = "run `mediamesh db migrate`"
# (an instance as the driver raises it, the phrase its message carries on every path)
OUTAGE_EXAMPLES: list[tuple[BaseException, str]] = [
    (ConnectionRefusedError(111, "Connection refused"), NOT_REACHABLE),
    (ConnectionResetError(104, "Connection reset by peer"), NOT_REACHABLE),
    (OSError(113, "No route to host"), NOT_REACHABLE),
    (TimeoutError(), TIMED_OUT),  # asyncio.TimeoutError and asyncpg's timeouts
    (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), TIMED_OUT),
    (
        asyncpg.exceptions.ConnectionDoesNotExistError(
            "connection was closed in the middle of operation"
        ),
        LOST,
    ),
    (asyncpg.exceptions.ConnectionFailureError("connection failure"), NOT_REACHABLE),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), NOT_REACHABLE),
    (
        asyncpg.exceptions.AdminShutdownError(
            "terminating connection due to administrator command"
        ),
        NOT_REACHABLE,
    ),
    (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), NOT_REACHABLE),
    (asyncpg.exceptions.DiskFullError("could not extend file: No space left"), NOT_REACHABLE),
    (asyncpg.InvalidCatalogNameError('database "mediamesh" does not exist'), NO_DATABASE),
    (_closed_while_handling(asyncpg.exceptions.ConnectionDoesNotExistError("closed")), LOST),
]
NOT_OUTAGES: list[BaseException] = [
    asyncpg.DivisionByZeroError("division by zero"),
    asyncpg.UndefinedTableError('relation "no_such_table" does not exist'),
    asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    ValueError("not a PostgreSQL failure"),
    asyncio.CancelledError(),
]


def _raised_through(path: Translator, exc: BaseException) -> BaseException:
    try:
        with path():
            raise exc
    except BaseException as raised:  # CancelledError too
        return raised
    raise AssertionError("unreachable")


def test_every_outage_class_is_exercised() -> None:
    for outage in OUTAGES:
        assert any(isinstance(exc, outage) for exc, _ in OUTAGE_EXAMPLES), outage


@pytest.mark.parametrize(
    ("exc", "phrase"), OUTAGE_EXAMPLES, ids=[type(exc).__name__ for exc, _ in OUTAGE_EXAMPLES]
)
def test_both_paths_turn_the_same_outages_into_postgres_unavailable(
    exc: BaseException, phrase: str
) -> None:
    assert unavailable(URL, exc) is not None
    for name, path in PATHS.items():
        raised = _raised_through(path, exc)
        assert isinstance(raised, PostgresUnavailable), name
        assert raised.__cause__ is exc, name
        assert phrase in raised.message, (name, raised.message)
        assert "s3cret" not in raised.message, name
    assert DOING in str(_raised_through(PATHS["ranking top_items"], exc))


@pytest.mark.parametrize("exc", NOT_OUTAGES, ids=[type(exc).__name__ for exc in NOT_OUTAGES])
def test_both_paths_let_the_same_non_outages_through(exc: BaseException) -> None:
    assert unavailable(URL, exc) is None
    for name, path in PATHS.items():
        assert _raised_through(path, exc) is exc, name


# --- the ranking path against the real server ---

PARAMS = RankingParams(
    trending_window_hours=48,
    trending_half_life_hours=6.0,
    popular_window_days=30,
    weight_view=1.0,
    weight_like=5.0,
    weight_complete=2.0,
    max_episodes_per_program=2,
)
NOW = datetime(2031, 3, 10, 10, 30, tzinfo=UTC)
RANKED_TABLES = "catalog_items, engagement_hourly, engagement_daily"


async def _waiting_for_a_lock(blocker: asyncpg.Connection) -> None:
    """Return once another session of this database waits for a lock (the ranking's)."""
    for _ in range(100):
        await blocker.execute("SELECT pg_stat_clear_snapshot()")  # fresh in a transaction
        if await blocker.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the ranking never reached the lock")


async def _rank(pool: asyncpg.Pool, kind: ListKind) -> None:
    await compute_list(pool, kind, ListQuery(category="no-such-category"), PARAMS, NOW)


@pytest.mark.parametrize("kind", [ListKind.TRENDING, ListKind.POPULAR])
async def test_a_ranking_past_its_statement_timeout_is_an_outage_on_any_pool(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, kind: ListKind
) -> None:
    """The server cancels the ranking (its statement_timeout, while it waits for a lock): a
    QueryCanceledError, PostgresUnavailable whether the pool translates (ours) or not."""
    monkeypatch.setattr(ranking_repository, "STATEMENT_TIMEOUT_MS", 200)
    ours = await postgres.create_pool(stack.database_url, min_size=0, max_size=1)
    plain = await asyncpg.create_pool(stack.database_url, min_size=0, max_size=1)
    blocker = await asyncpg.connect(stack.database_url)
    try:
        locked = blocker.transaction()
        await locked.start()
        await blocker.execute(f"LOCK TABLE {RANKED_TABLES} IN ACCESS EXCLUSIVE MODE")
        for pool in (ours, plain):
            with pytest.raises(PostgresUnavailable, match=TIMED_OUT) as caught:
                await _rank(pool, kind)
            assert isinstance(caught.value.__cause__, asyncpg.QueryCanceledError)
            assert unavailable(stack.database_url, caught.value.__cause__) is not None
        await locked.rollback()
        await _rank(ours, kind)  # nothing was left broken
        await _rank(plain, kind)
    finally:
        await blocker.close()
        await ours.close()
        await plain.close()


async def test_a_refused_server_is_an_outage_for_the_ranking_on_any_pool(
    stack: Stack, proxied: tuple[FaultProxy, asyncpg.Pool]
) -> None:
    proxy, ours = proxied
    plain = await asyncpg.create_pool(
        through(stack.database_url, proxy), min_size=0, max_size=1, timeout=5
    )
    try:
        await _rank(ours, ListKind.POPULAR)
        await _rank(plain, ListKind.POPULAR)
        proxy.set_mode("refuse")
        for pool in (ours, plain):
            with pytest.raises(PostgresUnavailable) as caught:
                await _rank(pool, ListKind.POPULAR)
            assert isinstance(caught.value.__cause__, OUTAGES)
        proxy.set_mode("pass")
        await _rank(ours, ListKind.POPULAR)
    finally:
        proxy.set_mode("pass")
        await plain.close()


@pytest.mark.parametrize("translating", [True, False], ids=["our pool", "plain pool"])
async def test_a_connection_reset_mid_ranking_is_an_outage_on_any_pool(
    stack: Stack, proxied: tuple[FaultProxy, asyncpg.Pool], translating: bool
) -> None:
    """The server goes away while the ranking waits (on a lock here). asyncpg then fails the
    transaction's ROLLBACK with an InterfaceError ("the underlying connection is closed")
    raised while handling the ConnectionDoesNotExistError: PostgresUnavailable all the same."""
    proxy, ours = proxied
    url = through(stack.database_url, proxy)
    pool = ours if translating else await asyncpg.create_pool(url, min_size=0, max_size=1)
    blocker = await asyncpg.connect(stack.database_url)
    try:
        locked = blocker.transaction()
        await locked.start()
        await blocker.execute(f"LOCK TABLE {RANKED_TABLES} IN ACCESS EXCLUSIVE MODE")
        running = asyncio.create_task(_rank(pool, ListKind.TRENDING))
        await _waiting_for_a_lock(blocker)
        proxy.set_mode("refuse")
        with pytest.raises(PostgresUnavailable, match="lost the connection to PostgreSQL"):
            await running
        await locked.rollback()
        proxy.set_mode("pass")
        await _rank(pool, ListKind.TRENDING)  # a new connection serves the next one
    finally:
        proxy.set_mode("pass")
        await blocker.close()
        if not translating:
            await pool.close()
