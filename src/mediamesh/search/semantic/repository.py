"""The PostgreSQL side of document vectors: what is due, storing vectors, reading them back.

A document is due (a row in `search_embedding_queue`) from the moment indexing changes its
embedded fields until the vector of that version is stored. Reading due documents takes no
lock: the embedding happens outside any transaction, and `store` dequeues only documents
whose `indexed_at` (every write sets it) is still the one read — so an edit made while its
vector was computed keeps the document due, and the vector of an older text is never stored
over a newer one. Only live documents are due work: a tombstone dequeues its document, and
every read here skips a tombstoned one all the same.

Writers of `search_embeddings` take STORE_LOCK for their transaction first: stores commit one
after another, so the order of `seq` (set by a trigger) is the order of commits, and a reader
paging with `WHERE seq > last` never skips a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from mediamesh.search.semantic import codec
from mediamesh.search.semantic.model import Vectors
from mediamesh.search.semantic.text import EMBEDDING_ID

# advisory-lock keys (one namespace of bigint keys per database)
WORKER_LOCK = 0x6D6D_6577  # "mmew": the one process that embeds the backlog
STORE_LOCK = 0x6D6D_6573  # "mmes": one vector-store transaction at a time

# The most due documents the backlog gauge counts: its cost stays bounded after a change of
# model has made every document due (the gauge then reads this figure until fewer remain).
BACKLOG_COUNT_CAP = 1_000_000


@dataclass(frozen=True)
class DueDocument:
    content_id: str
    title: str
    description: str
    tags: list[str]
    indexed_at: datetime  # the version read
    queued_at: datetime  # the claim order, with content_id
    stored_hash: str | None  # text_hash of its stored vector of EMBEDDING_ID, if it has one


@dataclass(frozen=True)
class ComputedVector:
    content_id: str
    indexed_at: datetime  # the version of the document it was computed from
    text_hash: str
    # (n, DIMENSIONS): the whole text's vector, then its passages'; None: the stored
    # embedding is of this very text already
    vector: Vectors | None


Position = tuple[datetime, str]  # (queued_at, content_id): where a pass over the due stands


_DUE = """SELECT d.content_id, d.title, d.description, d.tags, d.indexed_at, q.queued_at,
           e.text_hash AS stored_hash
    FROM search_embedding_queue q
    JOIN search_documents d ON d.content_id = q.content_id
    LEFT JOIN search_embeddings e ON e.content_id = d.content_id AND e.model = $2
    WHERE d.deleted_at IS NULL {after}
    ORDER BY q.queued_at, q.content_id LIMIT $1"""
# two statements, not one with "$3 IS NULL OR": each page must start in the index at its
# position, not scan the backlog from its head
_DUE_FIRST = _DUE.format(after="")
_DUE_AFTER = _DUE.format(after="AND (q.queued_at, q.content_id) > ($3, $4)")


async def due_documents(
    conn: asyncpg.Connection, limit: int, after: Position | None = None
) -> list[DueDocument]:
    """Up to `limit` live documents waiting for a vector, longest waiting first, after
    `after` (a keyset position, so one pass visits each due document once). Locks nothing."""
    if after is None:
        rows = await conn.fetch(_DUE_FIRST, limit, EMBEDDING_ID)
    else:
        rows = await conn.fetch(_DUE_AFTER, limit, EMBEDDING_ID, *after)
    return [
        DueDocument(
            r["content_id"],
            r["title"],
            r["description"],
            list(r["tags"]),
            r["indexed_at"],
            r["queued_at"],
            r["stored_hash"],
        )
        for r in rows
    ]


async def store(
    conn: asyncpg.Connection, vectors: Sequence[ComputedVector], model: str = EMBEDDING_ID
) -> list[str]:
    """Store each vector whose document is live and unchanged since it was read (same
    `indexed_at`), and dequeue those documents, in one transaction; returns their ids. A
    vector of None confirms the stored one (its text_hash must still be this one). A
    document changed or deleted meanwhile is left as it is (still due if live). The
    documents' rows are only locked, never written."""
    if not vectors:
        return []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", STORE_LOCK)
        rows = await conn.fetch(
            """WITH incoming AS (
                   SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::bytea[])
                       AS v(content_id, indexed_at, text_hash, vector)),
               done AS MATERIALIZED (
                   -- the row lock keeps an edit (it locks the row first: indexing's upsert)
                   -- from landing between this check and the dequeue, so the edit enqueues
                   -- after it; an edit that committed first fails the check
                   SELECT d.content_id FROM search_documents d JOIN incoming i USING (content_id)
                   WHERE d.indexed_at = i.indexed_at AND d.deleted_at IS NULL
                     AND (i.vector IS NOT NULL OR EXISTS (
                         SELECT 1 FROM search_embeddings e WHERE e.content_id = i.content_id
                         AND e.model = $5 AND e.text_hash = i.text_hash))
                   FOR SHARE OF d),
               stored AS (
                   INSERT INTO search_embeddings AS e (content_id, model, text_hash, vector)
                   SELECT i.content_id, $5, i.text_hash, i.vector
                   FROM incoming i JOIN done USING (content_id)
                   WHERE i.vector IS NOT NULL
                   ON CONFLICT (content_id) DO UPDATE SET
                       model = EXCLUDED.model, text_hash = EXCLUDED.text_hash,
                       vector = EXCLUDED.vector, embedded_at = now()),
               dequeued AS (
                   DELETE FROM search_embedding_queue q USING done
                   WHERE q.content_id = done.content_id)
               SELECT content_id FROM done""",
            [v.content_id for v in vectors],
            [v.indexed_at for v in vectors],
            [v.text_hash for v in vectors],
            [None if v.vector is None else codec.encode(v.vector) for v in vectors],
            model,
        )
    return [row["content_id"] for row in rows]


Form = Literal["int8", "float32"]
# the rows not in a form (codec.py): int8 rows have an odd length, float32 rows an even one
_NOT_IN = {"int8": "length(vector) % 2 = 0", "float32": "length(vector) % 2 = 1"}
_COUNT_TO_REWRITE = {
    form: f"""SELECT count(*) FILTER (WHERE {other}) AS other, coalesce(max(seq), 0) AS last
              FROM search_embeddings"""
    for form, other in _NOT_IN.items()
}
_TO_REWRITE = {
    form: f"""SELECT content_id, seq, vector FROM search_embeddings
              WHERE seq > $1 AND seq <= $2 AND {other}
              ORDER BY seq LIMIT $3"""
    for form, other in _NOT_IN.items()
}


async def rows_to_rewrite(conn: asyncpg.Connection, to: Form = "int8") -> tuple[int, int]:
    """How many stored embeddings are not in form `to` (codec.py), and the highest seq now
    (where `rewrite` stops: to int8, rows stored later are int8 already)."""
    row = await conn.fetchrow(_COUNT_TO_REWRITE[to])
    assert row is not None
    return int(row["other"]), int(row["last"])


async def rewrite(
    conn: asyncpg.Connection, after_seq: int, until_seq: int, limit: int, to: Form = "int8"
) -> tuple[int, int]:
    """Rewrite in form `to` (codec.py) up to `limit` embeddings of the other form with a seq
    in (`after_seq`, `until_seq`], in seq order, in one transaction under STORE_LOCK; returns
    how many were rewritten and the seq to continue after (`until_seq` once past the end).
    A row replaced since it was read is left to its new version; a rewritten row takes a new
    seq (the trigger), so vector indexes read it again: the same codes."""
    encode = codec.encode if to == "int8" else codec.encode_float32
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", STORE_LOCK)
        rows = await conn.fetch(
            _TO_REWRITE[to],
            after_seq,
            until_seq,
            limit,
        )
        if not rows:
            return 0, until_seq
        status = await conn.execute(
            """UPDATE search_embeddings e SET vector = c.vector
               FROM unnest($1::text[], $2::bigint[], $3::bytea[]) AS c(content_id, seq, vector)
               WHERE e.content_id = c.content_id AND e.seq = c.seq""",
            [row["content_id"] for row in rows],
            [row["seq"] for row in rows],
            [encode(codec.decode(row["vector"])) for row in rows],
        )
    reached = int(rows[-1]["seq"]) if len(rows) == limit else until_seq
    return int(status.split()[-1]), reached


async def another_model_remains(conn: asyncpg.Connection, model: str = EMBEDDING_ID) -> bool:
    """Whether some stored vector is of another model than `model`, in one index lookup:
    every vector stored since a change of model has a higher seq than all those before it,
    so if any of the old model remains, the lowest seq is one of them."""
    oldest = await conn.fetchval("SELECT model FROM search_embeddings ORDER BY seq LIMIT 1")
    return oldest is not None and oldest != model


async def mark_missing_due(conn: asyncpg.Connection, model: str = EMBEDDING_ID) -> int:
    """Make due every live document that is not due but has no vector of `model` (a new
    model, or vectors deleted by hand); returns how many. Reads every document and vector,
    without a statement timeout: minutes on millions of documents."""
    async with conn.transaction():
        await conn.execute("SET LOCAL statement_timeout = 0")
        status = await conn.execute(
            """INSERT INTO search_embedding_queue (content_id)
               SELECT d.content_id FROM search_documents d
               WHERE d.deleted_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM search_embeddings e
                                 WHERE e.content_id = d.content_id AND e.model = $1)
               ON CONFLICT (content_id) DO NOTHING""",
            model,
        )
    return int(status.split()[-1])  # "INSERT 0 n"


async def backlog(conn: asyncpg.Connection, cap: int | None = BACKLOG_COUNT_CAP) -> int:
    """Live documents waiting for a vector, counted up to `cap` (None: all of them)."""
    value = await conn.fetchval(
        """SELECT count(*) FROM (SELECT 1 FROM search_embedding_queue q
                                 JOIN search_documents d ON d.content_id = q.content_id
                                 WHERE d.deleted_at IS NULL LIMIT $1) AS due""",
        cap,
    )
    return int(value)


async def embedded_count(conn: asyncpg.Connection, model: str = EMBEDDING_ID) -> int:
    """Live documents that have a vector of `model` (up to date or not)."""
    value = await conn.fetchval(
        """SELECT count(*) FROM search_embeddings e JOIN search_documents d USING (content_id)
           WHERE e.model = $1 AND d.deleted_at IS NULL""",
        model,
    )
    return int(value)


async def vectors_since(
    conn: asyncpg.Connection, after_seq: int, limit: int
) -> tuple[list[str], list[Vectors], int]:
    """The embeddings (of EMBEDDING_ID, of live documents) stored or replaced after
    `after_seq`, in seq order, at most `limit`: (content ids, each one's (n, DIMENSIONS)
    float32 unit rows, the last seq read — `after_seq` when none). Page with the returned
    seq until fewer than `limit` come back. An embedding replaced later comes back again,
    with its new seq."""
    rows = await conn.fetch(
        """SELECT e.content_id, e.vector, e.seq
           FROM search_embeddings e JOIN search_documents d USING (content_id)
           WHERE e.seq > $1 AND e.model = $2 AND d.deleted_at IS NULL
           ORDER BY e.seq LIMIT $3""",
        after_seq,
        EMBEDDING_ID,
        limit,
    )
    if not rows:
        return [], [], after_seq
    ids = [row["content_id"] for row in rows]
    return ids, codec.decode_all([row["vector"] for row in rows]), int(rows[-1]["seq"])


async def vectors_for(conn: asyncpg.Connection, content_ids: Sequence[str]) -> dict[str, Vectors]:
    """The embedding (of EMBEDDING_ID) of each live document among `content_ids` that has
    one."""
    rows = await conn.fetch(
        """SELECT e.content_id, e.vector
           FROM search_embeddings e JOIN search_documents d USING (content_id)
           WHERE e.content_id = ANY($1::text[]) AND e.model = $2 AND d.deleted_at IS NULL""",
        list(content_ids),
        EMBEDDING_ID,
    )
    return {row["content_id"]: codec.decode(row["vector"]) for row in rows}


async def try_lead(conn: asyncpg.Connection) -> bool:
    """Try the worker's session lock without waiting: True when this session holds it (and
    must embed). PostgreSQL releases it when the session ends, however it ends."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", WORKER_LOCK))


async def stop_leading(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", WORKER_LOCK)


async def someone_leads(conn: asyncpg.Connection) -> bool:
    """Whether a session (of any process) holds the worker's lock."""
    return bool(
        await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
                   AND classid = 0 AND objid = $1 AND objsubid = 1 AND granted
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))""",
            WORKER_LOCK,
        )
    )
