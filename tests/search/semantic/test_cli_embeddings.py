"""`mediamesh embeddings backfill | status | compact` (the real command, in a subprocess): a
backfill stopped with Ctrl-C keeps the batches it committed, and running it again finishes
the rest; compact rewrites float32 rows as int8, the same vectors read back.

To stop it mid-way without racing it, the test holds a row lock on a document of the second
batch: the command can store the first batch, never the second, until the test lets go."""

from __future__ import annotations

import asyncio
import signal
import subprocess

import asyncpg
import numpy as np

from mediamesh.search.semantic import repository
from mediamesh.search.semantic.model import DIMENSIONS
from mediamesh.search.semantic.text import EMBEDDING_ID
from mediamesh.settings import Settings
from tests.cli.run import MEDIAMESH, environment, mediamesh
from tests.conftest import Stack
from tests.search.semantic.embedding_support import (
    DEADLINE_SECONDS,
    due,
    film,
    index,
    own_pool,
    stored,
    wait_for,
)

IDS = [f"b-{n}" for n in range(6)]  # one transaction: one indexed_at, claimed in id order


async def test_backfill_stops_on_ctrl_c_and_resumes(stack: Stack, unique: str) -> None:
    async with own_pool(stack, unique) as (url, pool):
        settings = stack.settings(database_url=url, dynamodb_enabled=False)
        await index(pool, [film(cid, f"Film {cid}", f"The story of {cid}.") for cid in IDS])

        async with pool.acquire() as blocker, blocker.transaction():
            await blocker.execute(
                "SELECT 1 FROM search_documents WHERE content_id = 'b-2' FOR UPDATE"
            )
            command = _start(settings, "embeddings", "backfill", "--batch-size", "2")
            try:
                await wait_for(lambda: _has_vectors(pool, 2), "the first batch stored")
                command.send_signal(signal.SIGINT)
                _, errors = await asyncio.to_thread(command.communicate, timeout=DEADLINE_SECONDS)
            finally:
                command.kill()
        assert command.returncode == 130, errors
        assert "interrupted" in errors
        assert sorted(await stored(pool)) == IDS[:2]
        assert await due(pool) == set(IDS[2:])

        again = await asyncio.to_thread(
            mediamesh, settings, "embeddings", "backfill", "--batch-size", "2"
        )
        assert again.returncode == 0, again.stderr
        assert "stored 4 vectors (0 known, 4 from the model)" in again.stdout
        assert sorted(await stored(pool)) == IDS
        assert await due(pool) == set()


async def test_status_tells_the_model_and_the_counts(stack: Stack, unique: str) -> None:
    async with own_pool(stack, unique) as (url, pool):
        settings = stack.settings(database_url=url, dynamodb_enabled=False)
        await index(pool, [film(cid, cid, "") for cid in IDS[:3]])
        before = await asyncio.to_thread(mediamesh, settings, "embeddings", "status")
        assert before.returncode == 0, before.stderr
        assert f"model     {EMBEDDING_ID}" in before.stdout
        assert "embedded  0 documents" in before.stdout
        assert "waiting   3 documents" in before.stdout
        assert "worker    none" in before.stdout

        done = await asyncio.to_thread(mediamesh, settings, "embeddings", "backfill")
        assert done.returncode == 0, done.stderr
        after = await asyncio.to_thread(mediamesh, settings, "embeddings", "status")
        assert "embedded  3 documents" in after.stdout
        assert "waiting   0 documents" in after.stdout
        nothing = await asyncio.to_thread(mediamesh, settings, "embeddings", "backfill")
        assert "no document was waiting for a vector" in nothing.stdout


async def test_compact_rewrites_float32_rows_as_int8_and_back_and_servers_read_them_again(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (url, pool):
        settings = stack.settings(database_url=url, dynamodb_enabled=False)
        await index(pool, [film(cid, f"Film {cid}", f"The story of {cid}.") for cid in IDS])
        done = await asyncio.to_thread(mediamesh, settings, "embeddings", "backfill")
        assert done.returncode == 0, done.stderr
        before = await stored(pool)
        # five rows as a release before the int8 form wrote them: float32 values
        old = IDS[:5]
        for cid in old:
            await pool.execute(
                "UPDATE search_embeddings SET vector = $2 WHERE content_id = $1",
                cid,
                before[cid][1].astype("<f4").tobytes(),
            )
        async with pool.acquire() as conn:
            assert await repository.rows_to_rewrite(conn) == (5, await _last_seq(conn))
            last = await _last_seq(conn)

        compacted = await asyncio.to_thread(
            mediamesh, settings, "embeddings", "compact", "--batch-size", "2"
        )
        assert compacted.returncode == 0, compacted.stderr
        assert "rewrote 5 embeddings as int8" in compacted.stdout
        lengths = await pool.fetch("SELECT length(vector) % 2 AS odd FROM search_embeddings")
        assert {row["odd"] for row in lengths} == {1}
        after = await stored(pool)
        for cid in IDS:  # the same vectors, the same text hashes
            assert after[cid][0] == before[cid][0]
            assert np.array_equal(after[cid][1], before[cid][1])
        async with pool.acquire() as conn:  # rewritten rows come again to a vector index
            ids, _, _ = await repository.vectors_since(conn, last, 100)
        assert sorted(ids) == old

        again = await asyncio.to_thread(mediamesh, settings, "embeddings", "compact")
        assert again.returncode == 0, again.stderr
        assert "every embedding is int8 already" in again.stdout

        # before a rollback to a release that reads float32 only: every row as it wrote them
        wide = await asyncio.to_thread(mediamesh, settings, "embeddings", "compact", "--float32")
        assert wide.returncode == 0, wide.stderr
        assert f"rewrote {len(IDS)} embeddings as float32" in wide.stdout
        for row in await pool.fetch("SELECT vector FROM search_embeddings"):
            assert len(row["vector"]) % (4 * DIMENSIONS) == 0
        widened = await stored(pool)
        for cid in IDS:
            assert np.array_equal(widened[cid][1], before[cid][1])


async def _last_seq(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT max(seq) FROM search_embeddings"))


def _start(settings: Settings, *args: str) -> subprocess.Popen[str]:
    """The command as a terminal starts it: Ctrl-C (SIGINT) at its default. A test run
    started in the background by a shell without job control ignores SIGINT, and an ignored
    signal stays ignored in every child: the command would never see the test's Ctrl-C."""
    return subprocess.Popen(
        [MEDIAMESH, *args],
        env=environment(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def _has_vectors(pool: asyncpg.Pool, count: int) -> bool:
    return len(await stored(pool)) >= count
