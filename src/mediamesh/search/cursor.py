"""Opaque pagination cursors. Pure; no I/O.

A cursor names the path that made it, so the next page is read from the same path:
`d.<token>` carries the DynamoDB path's own token untouched; `p.<token>` is a PostgreSQL
keyset position. Clients must treat both as opaque strings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from dataclasses import dataclass
from typing import Literal

import orjson

from mediamesh.errors import InvalidInput
from mediamesh.search.models import SearchQuery
from mediamesh.search.postgres.query_text import storable

Path = Literal["dynamodb", "postgres"]
_TAGS: dict[Path, str] = {"dynamodb": "d", "postgres": "p"}
MAX_CURSOR_CHARS = 4096


@dataclass(frozen=True)
class PostgresPosition:
    """The last row of a page in (score DESC, title_norm ASC, content_id ASC) order."""

    fingerprint: str
    score: float
    title_norm: str
    content_id: str


def wrap(path: Path, token: str) -> str:
    return f"{_TAGS[path]}.{token}"


def unwrap(cursor: str) -> tuple[Path, str]:
    """Split a cursor into its path and token; InvalidInput if it is not one of ours."""
    tag, _, token = cursor.partition(".")
    for path, known in _TAGS.items():
        if tag == known and token:
            return path, token
    raise InvalidInput("cursor is not valid: pass back the nextCursor of a previous page")


def fingerprint(query: SearchQuery, text: str) -> str:
    """Identifies the query a cursor belongs to, so it cannot be replayed on another one."""
    parts = [text, query.content_type, query.category, query.language, query.tag]
    return hashlib.sha256(orjson.dumps(parts)).hexdigest()[:16]


def encode_position(position: PostgresPosition) -> str:
    raw = orjson.dumps(
        [position.fingerprint, position.score, position.title_norm, position.content_id]
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(token: str, expected_fingerprint: str) -> PostgresPosition:
    """InvalidInput for a damaged token or one made for a different query or filters."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        fp, score, title_norm, content_id = orjson.loads(raw)
        position = PostgresPosition(str(fp), float(score), str(title_norm), str(content_id))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidInput("cursor is damaged: pass back the nextCursor unchanged") from exc
    if not math.isfinite(position.score) or not storable(position.title_norm + position.content_id):
        raise InvalidInput("cursor is damaged: pass back the nextCursor unchanged")
    if position.fingerprint != expected_fingerprint:
        raise InvalidInput(
            "cursor belongs to another query: a cursor only continues the search that made it"
        )
    return position
