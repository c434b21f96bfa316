"""How PostgreSQL failures become ours: every failure to reach PostgreSQL is
PostgresUnavailable (HTTP 503 with Retry-After), whatever the route.

This is the one translator of PostgreSQL errors: OUTAGES is the one list of what counts as
an outage, `unavailable` the one classification, `translated_errors` the context manager
every caller uses (with the URL when it knows it, with what it was doing when that helps).
The URL (password masked) and the driver's words go to the message, for the log and the CLI;
the public part an HTTP answer carries says what failed and what to do, never where.

TranslatingPool's `acquire()` converts what is raised while acquiring and inside its block
(refused, reset mid-query, timed out, server shutting down), and so do `fetch`, `execute`...
on the pool, which acquire through it: a repository needs no conversion of its own. Errors
of the statements themselves (a constraint violated, a syntax error) are not outages and
pass through unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext

from mediamesh.errors import PostgresUnavailable
from mediamesh.settings import masked_url

# Failures that mean "PostgreSQL cannot answer now", not "this statement is wrong":
# - network errors and timeouts (OSError, which TimeoutError and so asyncio's timeouts are);
# - class 08, connection exception, including ConnectionDoesNotExistError (08003: the
#   connection closed in the middle of an operation);
# - class 57, operator intervention: QueryCanceledError (57014, the server's
#   statement_timeout ran out), shutting down, starting up, database dropped;
# - class 53, insufficient resources: too many connections, disk full, out of memory;
# - 3D000, the database does not exist (yet): nothing answers until it is migrated.
OUTAGES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.InvalidCatalogNameError,
)


# asyncpg's own errors about the connection object ("connection is closed", "another
# operation is in progress"): an outage only when caused by one (see unavailable) or when the
# pooled connection is gone (see _TranslatedAcquire).
_CLIENT_ERRORS = (asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError)


def unavailable(
    url: str | None, exc: BaseException, doing: str | None = None
) -> PostgresUnavailable | None:
    """The PostgresUnavailable that `exc` means, or None when it is no outage.

    `url` (password masked) and `doing` ("computing a discovery list") only add context to
    the message; the classification is the same without them. A client error
    raised while handling an outage (the ROLLBACK of a transaction whose connection just
    dropped: "the underlying connection is closed") is that outage.
    """
    if isinstance(exc, _CLIENT_ERRORS) and isinstance(exc.__context__, OUTAGES):
        exc = exc.__context__
    if not isinstance(exc, OUTAGES):
        return None
    at = f" at {masked_url(url)}" if url else ""
    during = f" while {doing}" if doing else ""
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        where = f" in {masked_url(url)}" if url else ""
        fix = "run `mediamesh db migrate`, which creates it"
        return PostgresUnavailable(
            f"database{where} does not exist{during}: {fix}",
            public=f"the database does not exist{during}: {fix}",
        )
    if isinstance(exc, TimeoutError | asyncpg.QueryCanceledError):
        return PostgresUnavailable(
            f"PostgreSQL{at} did not answer within the time allowed{during} "
            f"({type(exc).__name__}); try again",
            public=f"PostgreSQL did not answer within the time allowed{during}; try again",
        )
    if isinstance(exc, asyncpg.exceptions.ConnectionDoesNotExistError):
        return PostgresUnavailable(
            f"lost the connection to PostgreSQL{at}{during} ({exc}); try again",
            public=f"lost the connection to PostgreSQL{during}; try again",
        )
    return PostgresUnavailable(
        f"PostgreSQL is not reachable{at}{during} ({type(exc).__name__}: {exc}); "
        "check DATABASE_URL and that the server runs",
        public=f"PostgreSQL is unavailable{during}; retry later",
    )


@contextmanager
def translated_errors(url: str | None = None, *, doing: str | None = None) -> Iterator[None]:
    """Convert PostgreSQL outages (OUTAGES) into PostgresUnavailable with a hint; let every
    other error (a statement's own) through unchanged."""
    try:
        yield
    except Exception as exc:
        converted = unavailable(url, exc, doing)
        if converted is None:
            raise
        raise converted from exc


class _TranslatedAcquire(PoolAcquireContext):  # type: ignore[misc]
    """`async with pool.acquire() as conn:` converting outages raised while acquiring and
    inside the block. Inside the block, an asyncpg interface error on a connection that
    has closed (a rollback after the server went away, say) is an outage too."""

    __slots__ = ()
    connection: Any  # asyncpg's slot, typed for mypy

    async def __aenter__(self) -> Any:
        with translated_errors(self.pool.url):
            return await super().__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        lost = _lost(self.connection)
        conn, self.connection = self.connection, None
        # Releasing resets the connection (a round trip). After a cancellation (a budget ran
        # out), the query may still be hanging on a stalled server, and asyncpg would wait for
        # its cancel request without limit: release in the background instead, bounded (a
        # connection that cannot be reset in time is terminated), and let the caller go.
        release = self.pool.release(conn, timeout=RELEASE_TIMEOUT_SECONDS)
        if isinstance(exc, asyncio.CancelledError | TimeoutError):
            _in_background(release)
        else:
            with translated_errors(self.pool.url):
                await release
        if exc is None or isinstance(exc, PostgresUnavailable):
            return
        converted = unavailable(self.pool.url, exc)
        if converted is None and lost and isinstance(exc, _CLIENT_ERRORS):
            converted = PostgresUnavailable(
                f"lost the connection to PostgreSQL at {masked_url(self.pool.url)} ({exc})",
                public="lost the connection to PostgreSQL; try again",
            )
        if converted is not None:
            raise converted from exc

    def __await__(self) -> Generator[Any, None, Any]:
        with translated_errors(self.pool.url):
            return (yield from super().__await__())


RELEASE_TIMEOUT_SECONDS = 2.0
_releasing: set[asyncio.Task[None]] = set()  # strong references until each is done


def _in_background(release: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(release)
    _releasing.add(task)
    task.add_done_callback(_released)


def _released(task: asyncio.Task[None]) -> None:
    _releasing.discard(task)
    if not task.cancelled():
        task.exception()  # a failed reset terminated the connection: nothing left to do


def _lost(conn: Any) -> bool:
    """Whether the pooled connection is gone (closed, or already detached by the pool)."""
    if conn is None:
        return False
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:  # "released back to the pool": the pool dropped it
        return True


class TranslatingPool(asyncpg.Pool):  # type: ignore[misc]
    """asyncpg's pool whose `acquire()` (and so `fetch`, `execute`... on the pool) raises
    PostgresUnavailable for every outage."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.url = url

    def acquire(self, *, timeout: float | None = None) -> _TranslatedAcquire:
        return _TranslatedAcquire(self, timeout)
